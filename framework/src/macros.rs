//! Crate-private macros.

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
