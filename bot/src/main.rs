//! `campanile`: the shop bot. Everything it does is in the `bot` library
//! ([`bot::cli`] for the commands), so tests run the same code.

use clap::Parser as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bot::cli::run(bot::cli::Cli::parse()).await
}
