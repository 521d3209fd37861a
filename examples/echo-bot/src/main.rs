//! Run with `TWILIO_AUTH_TOKEN=<your token> cargo run -p example-echo-bot`, point a
//! Twilio WhatsApp sandbox at `<your public URL>/webhooks/twilio` (e.g. through
//! `ngrok http 3000`) and set `PUBLIC_URL` to that URL's origin.
//!
//! The smallest working bot: the webhook routes on axum, Twilio's signature
//! checked on every request, and the echo answered inline as TwiML
//! ([`InlineOutbox`]), so no Twilio API client or credentials beyond the auth
//! token are needed.
//!
//! ```text
//! customer: Cement x 100
//! bot:      You said: Cement x 100
//! ```
use anyhow::Context as _;
use framework::ServiceBuilderExt;
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::webhook::{self, InlineOutbox, WebhookConfig};
use tower::ServiceBuilder;

async fn echo(Text(text): Text) -> String {
    format!("You said: {text}")
}

/// The webhook routes: Twilio requests signed with `auth_token` for `public_url`.
fn app(auth_token: String, public_url: String) -> axum::Router {
    let bot = ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .service(Router::new().fallback(echo).into_service());
    let config = WebhookConfig::new().with_twilio(auth_token, public_url);
    webhook::routes(bot, InlineOutbox, config)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let token = std::env::var("TWILIO_AUTH_TOKEN").context("set TWILIO_AUTH_TOKEN")?;
    let public_url = std::env::var("PUBLIC_URL").unwrap_or("http://127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app(token, public_url)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::body::{self, Body};
    use axum::http::{Request, StatusCode, header};
    use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
    use tower::ServiceExt;

    use super::app;

    const TOKEN: &str = "test-auth-token";
    const PUBLIC_URL: &str = "https://bot.example.com";
    /// The URL Twilio calls, and signs.
    const WEBHOOK_URL: &str = "https://bot.example.com/webhooks/twilio";

    /// Sends one request to a fresh app; returns the status, content type and body.
    async fn send(request: Request<Body>) -> (StatusCode, Option<String>, String) {
        let app = app(TOKEN.to_owned(), PUBLIC_URL.to_owned());
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_signed_message_is_echoed_inline_as_twiml() {
        // Arrange
        let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100");

        // Act
        let (status, content_type, body) = send(hook.signed_request(TOKEN, WEBHOOK_URL)).await;

        // Assert
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(content_type.as_deref(), Some("text/xml"));
        assert_eq!(
            body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\
             <Message><Body>You said: Cement x 100</Body></Message></Response>"
        );
    }

    #[tokio::test]
    async fn a_forged_signature_is_refused_with_403() {
        // Arrange: signed with another token than the bot's.
        let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100");

        // Act
        let (status, _, body) = send(hook.signed_request("not-the-token", WEBHOOK_URL)).await;

        // Assert
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(!body.contains("You said"), "{body}");
    }
}
