//! Run with `TWILIO_AUTH_TOKEN=<your token> cargo run -p example-echo-bot`, point a
//! Twilio WhatsApp sandbox at `<your public URL>/webhooks/twilio` (e.g. through
//! `ngrok http 3000`) and set `PUBLIC_URL` to that URL's origin.
//!
//! ```text
//! customer: Cement x 100
//! bot:      You said: Cement x 100
//! ```
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::webhook::{self, InlineOutbox, WebhookConfig};
use framework::ServiceBuilderExt;
use tower::ServiceBuilder;

async fn echo(Text(text): Text) -> String {
    format!("You said: {text}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let bot = ServiceBuilder::new().trace().handle_errors().dedup(InMemSeenStore::new())
        .service(Router::new().fallback(echo).into_service());
    let public_url = std::env::var("PUBLIC_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let config = WebhookConfig::new().with_twilio(std::env::var("TWILIO_AUTH_TOKEN")?, public_url);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, webhook::routes(bot, InlineOutbox, config)).await?;
    Ok(())
}
