//! The given/when/then harness: arrange stored state, act through a real
//! service over in-memory repositories, then check the result and what was
//! stored.

use std::fmt;

use super::fixtures;
use super::follow_up::RecordingFollowUp;
use super::inmem::{InMemOrderRepository, InMemProductRepository};
use crate::orders::Order;
use crate::shared::OrderId;

/// The outcome of a `when`, with the stores it ran against.
pub struct Then<T, E> {
    result: Result<T, E>,
    products: InMemProductRepository,
    orders: InMemOrderRepository,
    follow_up: RecordingFollowUp,
}

impl<T, E> fmt::Debug for Then<T, E>
where
    T: fmt::Debug,
    E: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Then")
            .field("result", &self.result)
            .finish_non_exhaustive()
    }
}

impl<T, E> Then<T, E>
where
    T: fmt::Debug,
    E: fmt::Debug,
{
    /// Expects success and runs `check` on the value.
    ///
    /// # Panics
    ///
    /// If the operation failed, or when `check` panics.
    #[track_caller]
    pub fn then_expect<F>(self, check: F) -> Self
    where
        F: FnOnce(&T),
    {
        match &self.result {
            Ok(value) => check(value),
            Err(error) => panic!("expected success, got error: {error:?}"),
        }
        self
    }

    /// Expects an error for which `is_expected` is true.
    ///
    /// # Panics
    ///
    /// If the operation succeeded or failed differently.
    #[track_caller]
    pub fn then_expect_error<F>(self, is_expected: F) -> Self
    where
        F: FnOnce(&E) -> bool,
    {
        match &self.result {
            Ok(value) => panic!("expected an error, got success: {value:?}"),
            Err(error) => assert!(is_expected(error), "unexpected error: {error:?}"),
        }
        self
    }

    /// Expects the stored stock of `sku` (`None`: untracked or unknown).
    ///
    /// # Panics
    ///
    /// If it differs.
    #[track_caller]
    pub fn then_stock(self, sku: &str, expected: Option<u32>) -> Self {
        assert_eq!(self.products.stock_of(sku), expected, "stock of {sku}");
        self
    }

    /// Runs `check` on every stored order, by id.
    #[track_caller]
    pub fn then_stored<F>(self, check: F) -> Self
    where
        F: FnOnce(&[Order]),
    {
        check(&self.orders.orders());
        self
    }

    /// Expects the orders the follow-up port was asked for, in order,
    /// repeats included.
    ///
    /// # Panics
    ///
    /// If they differ.
    #[track_caller]
    pub fn then_followed_up(self, expected: &[OrderId]) -> Self {
        assert_eq!(self.follow_up.orders(), expected, "orders followed up");
        self
    }

    /// The outcome, for checks the helpers do not cover.
    pub fn result(&self) -> &Result<T, E> {
        &self.result
    }

    /// The product store after the operation.
    pub fn products(&self) -> &InMemProductRepository {
        &self.products
    }

    /// The follow-up port the service used.
    pub fn follow_up(&self) -> &RecordingFollowUp {
        &self.follow_up
    }

    /// Consumes the harness, returning the outcome.
    pub fn into_result(self) -> Result<T, E> {
        self.result
    }
}

/// The order service harness.
pub mod orders {
    use super::{Then, fixtures};
    use crate::catalog::{CatalogService, OrderLimits, Product};
    use crate::orders::{Order, OrderError, OrderService};
    use crate::testing::{
        InMemOrderRepository, InMemOrderService, InMemProductRepository, RecordingFollowUp,
    };

    /// Starts a scenario with these orders already stored (as they are: no
    /// stock is taken for confirmed ones).
    pub fn given(orders: Vec<Order>) -> Given {
        Given {
            orders,
            products: Vec::new(),
            failing_follow_up: false,
        }
    }

    /// Stored state before the operation.
    #[derive(Debug)]
    #[must_use = "call .when(..) to run the operation"]
    pub struct Given {
        orders: Vec<Order>,
        products: Vec<Product>,
        failing_follow_up: bool,
    }

    impl Given {
        /// Also stores these products.
        pub fn with_products(mut self, products: Vec<Product>) -> Self {
            self.products.extend(products);
            self
        }

        /// Makes the follow-up port fail (a job queue that cannot store
        /// the job).
        pub fn with_failing_follow_up(mut self) -> Self {
            self.failing_follow_up = true;
            self
        }

        /// Runs `act` with an [`OrderService`] over the stored state: it
        /// prices with a [`CatalogService`] over the stored products (default
        /// limits), records follow-ups in a [`RecordingFollowUp`], and its
        /// time is [`fixtures::now`].
        pub async fn when<F, Fut, T>(self, act: F) -> Then<T, OrderError>
        where
            F: FnOnce(InMemOrderService) -> Fut,
            Fut: Future<Output = Result<T, OrderError>>,
        {
            let products = InMemProductRepository::with_products(self.products);
            let orders = InMemOrderRepository::new(products.clone());
            for order in self.orders {
                orders.seed(order);
            }
            let follow_up = RecordingFollowUp::default();
            follow_up.set_failing(self.failing_follow_up);
            let service = OrderService::new(
                orders.clone(),
                CatalogService::new(products.clone(), OrderLimits::default()),
                follow_up.clone(),
                fixtures::now(),
            );
            let result = act(service).await;
            follow_up.set_failing(false);
            Then {
                result,
                products,
                orders,
                follow_up,
            }
        }
    }
}

/// The catalog service harness.
pub mod catalog {
    use super::Then;
    use crate::catalog::{CatalogError, CatalogService, OrderLimits, Product};
    use crate::testing::{InMemOrderRepository, InMemProductRepository, RecordingFollowUp};

    /// Starts a scenario with these products stored.
    pub fn given(products: Vec<Product>) -> Given {
        Given {
            products,
            limits: OrderLimits::default(),
            failing: false,
        }
    }

    /// Stored state before the operation.
    #[derive(Debug)]
    #[must_use = "call .when(..) to run the operation"]
    pub struct Given {
        products: Vec<Product>,
        limits: OrderLimits,
        failing: bool,
    }

    impl Given {
        /// Uses these limits instead of the defaults.
        pub fn with_limits(mut self, limits: OrderLimits) -> Self {
            self.limits = limits;
            self
        }

        /// Makes storage fail.
        pub fn with_failing_storage(mut self) -> Self {
            self.failing = true;
            self
        }

        /// Runs `act` with a [`CatalogService`] over the stored products.
        pub async fn when<F, Fut, T>(self, act: F) -> Then<T, CatalogError>
        where
            F: FnOnce(CatalogService<InMemProductRepository>) -> Fut,
            Fut: Future<Output = Result<T, CatalogError>>,
        {
            let products = InMemProductRepository::with_products(self.products);
            products.set_failing(self.failing);
            let service = CatalogService::new(products.clone(), self.limits);
            let result = act(service).await;
            products.set_failing(false);
            let orders = InMemOrderRepository::new(products.clone());
            Then {
                result,
                products,
                orders,
                follow_up: RecordingFollowUp::default(),
            }
        }
    }
}
