//! Proactive messages: the customer's last channel, the 24-hour window
//! judged on the database's clock, the template when it has closed, once
//! per key, in the conversation's order behind the turns' replies.

use std::time::Duration;

use framework::clock::ManualClock;
use framework::reply::{Reply, Template};
use framework::{Content, ConversationKey, InboundMessage, MessageId, PhoneNumber, Provider};
use infra_sql::messages::{Direction, InboxQueue, MessageQueries};
use infra_sql::outbox::{DbOutbox, RenderConfig};
use infra_sql::sender::{Outgoing, Sender, SenderError, Sent};
use infra_sql::testing::{Backend, TestDb};

/// 2026-11-22T06:30:00Z; the window's arithmetic does not care which day.
const T0: i64 = 1_795_329_000_000;
const CUSTOMER: &str = "+919812345678";
const HOUR: Duration = Duration::from_secs(3600);

struct Setup {
    db: TestDb,
    hand: ManualClock,
    inbox: InboxQueue,
    sender: Sender,
}

async fn setup(backend: Backend) -> Setup {
    let db = TestDb::new(backend).await;
    let hand = ManualClock::new(T0);
    let clocked = db.db.clone().with_clock(hand.clock());
    let outbox = DbOutbox::new(
        clocked.clone(),
        RenderConfig {
            meta_phone_number_id: Some("1065403".to_owned()),
            ..RenderConfig::default()
        },
    );
    Setup {
        inbox: InboxQueue::new(clocked),
        sender: Sender::new(outbox),
        hand,
        db,
    }
}

fn customer() -> PhoneNumber {
    PhoneNumber::parse(CUSTOMER).unwrap()
}

fn message(provider: Provider, id: &str) -> InboundMessage {
    InboundMessage::new(
        provider,
        MessageId::new(id),
        ConversationKey::new(PhoneNumber::parse("+14155238886").unwrap(), customer()),
        Content::Text {
            body: "hi".to_owned(),
        },
    )
}

/// The bodies of the outbound rows stored for the customer, oldest first.
async fn stored(s: &Setup) -> Vec<(String, Option<String>)> {
    let mut rows = MessageQueries::new(s.db.db.clone())
        .recent(Some(CUSTOMER), 50)
        .await
        .unwrap();
    rows.reverse();
    rows.into_iter()
        .filter(|r| r.direction() == Direction::Out)
        .map(|r| (r.kind, r.body))
        .collect()
}

fn shipped() -> Outgoing {
    Outgoing::new(Reply::text("Your order shipped"))
        .or_template(Template::new("order_shipped", "en").param("42"))
}

async fn window_and_fallback_on(backend: Backend) {
    let s = setup(backend).await;

    let never = s.sender.send(&customer(), shipped()).await.unwrap_err();
    assert!(matches!(never, SenderError::NeverWrote { .. }), "{never}");
    assert!(!never.is_retryable());

    s.inbox
        .record(&message(Provider::Meta, "wamid.1").with_channel_id("1065403"))
        .await
        .unwrap();
    s.hand.advance(23 * HOUR);
    assert_eq!(
        s.sender.send(&customer(), shipped()).await.unwrap(),
        Sent::FreeForm,
        "23 h after the last message: inside the window"
    );

    // 23 h 31 min: inside 24 h, but within the 30 minutes' margin.
    s.hand.advance(Duration::from_secs(31 * 60));
    let reach = s.sender.reach(&customer()).await.unwrap().unwrap();
    assert!(!reach.window_open);
    assert_eq!(reach.provider, Provider::Meta);
    assert_eq!(
        reach.channel_id.as_deref(),
        Some("1065403"),
        "Meta's channel"
    );
    assert_eq!(
        s.sender.send(&customer(), shipped()).await.unwrap(),
        Sent::Template
    );
    let closed = s
        .sender
        .send(&customer(), Reply::text("no template"))
        .await
        .unwrap_err();
    assert!(
        matches!(closed, SenderError::WindowClosed { last_inbound_ms, .. } if last_inbound_ms == T0),
        "{closed}"
    );

    assert_eq!(
        stored(&s).await,
        [
            ("text".to_owned(), Some("Your order shipped".to_owned())),
            (
                "template".to_owned(),
                Some("template order_shipped".to_owned())
            ),
        ],
        "nothing was stored for the refused sends"
    );

    // A new message from the customer opens the window again.
    s.inbox
        .record(&message(Provider::Meta, "wamid.2"))
        .await
        .unwrap();
    assert!(
        s.sender
            .reach(&customer())
            .await
            .unwrap()
            .unwrap()
            .window_open
    );
    s.db.drop().await;
}

#[tokio::test]
async fn the_window_decides_between_the_message_and_its_template_on_sqlite() {
    window_and_fallback_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_decides_between_the_message_and_its_template_on_postgres() {
    window_and_fallback_on(Backend::Postgres).await;
}

#[tokio::test]
async fn a_key_stores_the_message_once() {
    let s = setup(Backend::SqliteFile).await;
    s.inbox
        .record(&message(Provider::Twilio, "SM1"))
        .await
        .unwrap();
    let once = || Outgoing::new(Reply::text("Payment received")).with_key("job:paid:7");
    assert_eq!(
        s.sender.send(&customer(), once()).await.unwrap(),
        Sent::FreeForm
    );
    assert_eq!(
        s.sender.send(&customer(), once()).await.unwrap(),
        Sent::AlreadySent,
        "a retry with the same key"
    );
    // Without a key each send is a message of its own.
    s.sender.send(&customer(), Reply::text("a")).await.unwrap();
    s.sender.send(&customer(), Reply::text("a")).await.unwrap();
    let bodies: Vec<_> = stored(&s).await.into_iter().map(|(_, b)| b).collect();
    assert_eq!(
        bodies,
        [
            Some("Payment received".to_owned()),
            Some("a".to_owned()),
            Some("a".to_owned())
        ]
    );
    s.db.drop().await;
}

#[tokio::test]
async fn a_key_is_per_customer_so_a_broadcast_reaches_everyone() {
    let s = setup(Backend::SqliteFile).await;
    let other = PhoneNumber::parse("+919800000002").unwrap();
    s.inbox
        .record(&message(Provider::Twilio, "SM1"))
        .await
        .unwrap();
    let from_other = InboundMessage::new(
        Provider::Twilio,
        MessageId::new("SM2"),
        ConversationKey::new(PhoneNumber::parse("+14155238886").unwrap(), other.clone()),
        Content::Text {
            body: "hi".to_owned(),
        },
    );
    s.inbox.record(&from_other).await.unwrap();
    let promo = || Outgoing::new(Reply::text("20% off today")).with_key("promo:2026-12");
    for customer in [customer(), other.clone()] {
        assert_eq!(
            s.sender.send(&customer, promo()).await.unwrap(),
            Sent::FreeForm,
            "{customer}"
        );
        assert_eq!(
            s.sender.send(&customer, promo()).await.unwrap(),
            Sent::AlreadySent
        );
    }
    s.db.drop().await;
}

#[tokio::test]
async fn nothing_to_send_is_an_error_and_a_template_alone_goes_in_and_out_of_the_window() {
    let s = setup(Backend::SqliteFile).await;
    s.inbox
        .record(&message(Provider::Meta, "wamid.1").with_channel_id("1065403"))
        .await
        .unwrap();
    let empty = s
        .sender
        .send(&customer(), Outgoing::replies(Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(empty, SenderError::Empty), "{empty}");
    let only = || Outgoing::template(Template::new("order_shipped", "en"));
    assert_eq!(
        s.sender.send(&customer(), only()).await.unwrap(),
        Sent::FreeForm
    );
    s.hand.advance(25 * HOUR);
    assert_eq!(
        s.sender.send(&customer(), only()).await.unwrap(),
        Sent::Template
    );
    assert_eq!(
        stored(&s)
            .await
            .iter()
            .map(|(kind, _)| kind.as_str())
            .collect::<Vec<_>>(),
        ["template", "template"]
    );
    s.db.drop().await;
}

#[tokio::test]
async fn a_twilio_template_needs_its_content_sid() {
    let s = setup(Backend::SqliteFile).await;
    s.inbox
        .record(&message(Provider::Twilio, "SM1"))
        .await
        .unwrap();
    s.hand.advance(25 * HOUR);
    let err = s.sender.send(&customer(), shipped()).await.unwrap_err();
    assert!(
        matches!(&err, SenderError::TemplateNeedsContentSid { name } if name == "order_shipped"),
        "{err}"
    );
    let with_sid = Outgoing::new(Reply::text("Your order shipped")).or_template(
        Template::new("order_shipped", "en").with_content_sid("HX0123456789abcdef0123456789abcdef"),
    );
    assert_eq!(
        s.sender.send(&customer(), with_sid).await.unwrap(),
        Sent::Template
    );
    s.db.drop().await;
}
