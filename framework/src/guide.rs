//! Guides: longer pages whose examples compile and run as doctests.

#[doc = include_str!("docs/pipeline.md")]
pub mod pipeline {}

#[doc = include_str!("docs/writing_a_layer.md")]
pub mod writing_a_layer {}

#[doc = include_str!("docs/conversations.md")]
pub mod conversations {}

#[doc = include_str!("docs/forms.md")]
pub mod forms {}

#[doc = include_str!("docs/testing.md")]
pub mod testing {}
