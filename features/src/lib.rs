//! Campanile's domain: the shop's bounded contexts (catalog, orders, invoices,
//! reminders, campaigns), each with the shape domain / commands / queries /
//! ports / service / error.
//!
//! Empty for now: the catalog and orders features arrive with the shop bot
//! (issue 3). **Architecture Invariant:** this crate depends on no workspace
//! crate.
