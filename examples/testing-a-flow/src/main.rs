//! Run with `cargo run -p example-testing-a-flow` to try the flow in a
//! terminal (type a button's number to tap it), and `cargo test -p
//! example-testing-a-flow` to run its tests: they are the point of this
//! example (see `tests/flow/`).
//!
//! ```text
//! you> hi
//! bot> Hi! What do you need today?
//!      [1] Cement
//!      [2] Sand
//!      [3] Steel
//! you> 1
//! bot> How many bags of cement?
//! you> 20
//! bot> 20 bags of cement. Shall I place the order?
//!      [1] Place order
//!      [2] Cancel
//! you> 1
//! bot> Order placed: 20 bags of cement. We'll confirm the delivery time soon.
//! ```

use example_testing_a_flow::pipeline;
use framework::local::Terminal;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    Terminal::pipeline(pipeline())
        .run(stdin, tokio::io::stdout())
        .await?;
    Ok(())
}
