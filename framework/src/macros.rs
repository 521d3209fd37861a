//! Crate-private macros and helpers shared by the middleware.

/// Adds `get_ref`, `get_mut` and `into_inner` to a middleware service whose
/// wrapped service is in a field named `inner`.
macro_rules! define_inner_service_accessors {
    () => {
        /// Gets a reference to the wrapped service.
        pub fn get_ref(&self) -> &S {
            &self.inner
        }

        /// Gets a mutable reference to the wrapped service.
        pub fn get_mut(&mut self) -> &mut S {
            &mut self.inner
        }

        /// Consumes `self`, returning the wrapped service.
        pub fn into_inner(self) -> S {
            self.inner
        }
    };
}

pub(crate) use define_inner_service_accessors;

/// Takes the inner service that `poll_ready` drove to readiness, leaving a
/// clone in its place for the next call.
///
/// `call` must use the very service that reported ready (a clone may not be
/// ready), and the boxed future needs an owned service: this is tower's
/// documented `mem::replace` idiom.
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}
