//! What follows a send the provider refused, at once or in a later `failed`
//! report: the 24-hour window's template, a capped marketing template sent
//! again a day later (and only once), a stopped-marketing opt-out.

use std::time::Duration;

use framework::clock::ManualClock;
use framework::reply::{Reply, Template};
use framework::{DeliveryFailure, DeliveryStatus, MessageId, Provider, StatusEvent};
use infra_providers::testing::FakeFailure;
use infra_sql::messages::{CAPPED_RETRY_AFTER, NewOutbound, OutboundStatus};
use infra_sql::testing::Backend;

use crate::send_outcomes::{
    CUSTOMER, MIDDAY_MS, Setup, config, rounds_until, setup, setup_clocked,
};

/// Twilio's report that the message it accepted as `sid` failed with `code`.
fn failed_report(sid: &str, code: &str, message: &str) -> StatusEvent {
    StatusEvent {
        provider: Provider::Twilio,
        message_id: MessageId::new(sid),
        recipient: None,
        status: DeliveryStatus::Failed(DeliveryFailure {
            code: Some(code.to_owned()),
            message: Some(message.to_owned()),
        }),
        timestamp: None,
        pricing: None,
    }
}

fn invoice_template() -> Reply {
    Reply::Template(
        Template::new("invoice_ready", "en")
            .param("INV-7")
            .with_content_sid("HX0000000000000000000000000000invc"),
    )
}

#[tokio::test]
async fn a_window_refusal_sends_the_template_instead() {
    let s = setup(Backend::SqliteFile).await;
    s.proactive_or_template("invoice:7", "Your invoice INV-7", Some(invoice_template()))
        .await;
    s.twilio.fail_next(FakeFailure::OutsideWindow);
    let dispatcher = s.outbox.dispatcher(s.providers(), config());

    rounds_until(&dispatcher, |r| r.sent == 1).await;

    assert_eq!(
        s.status_of("Your invoice INV-7").await,
        OutboundStatus::Failed
    );
    let sent = s.twilio.accepted();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].field("ContentSid"),
        Some("HX0000000000000000000000000000invc")
    );
    s.db.drop().await;
}

#[tokio::test]
async fn a_window_failure_reported_later_sends_the_template_once() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let s = setup(backend).await;
        s.proactive_or_template("invoice:7", "Your invoice INV-7", Some(invoice_template()))
            .await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
        let sid = accepted_sid(&s, 0);

        // Twilio accepted it, then reports it failed: outside the window.
        let failed = failed_report(&sid, "63016", "outside the allowed window");
        for _ in 0..3 {
            s.log.statuses.record(&failed).await.unwrap();
        }
        rounds_until(&dispatcher, |r| r.sent == 1).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 0);

        let sent = s.twilio.accepted();
        assert_eq!(sent.len(), 2, "{backend:?}: the text, then one template");
        assert!(sent[1].field("ContentSid").is_some(), "{:?}", sent[1]);
        assert_eq!(
            s.status_of("Your invoice INV-7").await,
            OutboundStatus::Failed
        );
        s.db.drop().await;
    }
}

#[tokio::test]
async fn a_window_refusal_without_a_template_is_failed_with_its_reason() {
    let s = setup(Backend::SqliteFile).await;
    s.reply("SMw1", &["your order shipped"]).await;
    s.twilio.fail_next(FakeFailure::OutsideWindow);
    let dispatcher = s.outbox.dispatcher(s.providers(), config());

    let report = dispatcher.run_once().await.unwrap();

    assert_eq!(report.failed, 1, "{report:?}");
    let row = s
        .rows()
        .await
        .into_iter()
        .find(|r| r.body.as_deref() == Some("your order shipped"))
        .unwrap();
    assert!(
        row.error.as_deref().unwrap_or_default().contains("63016"),
        "{row:?}"
    );
    assert_eq!(s.twilio.requests().len(), 1);
    s.db.drop().await;
}

#[tokio::test]
async fn a_customer_who_stopped_marketing_messages_is_recorded_once() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let s = setup(backend).await;
        s.proactive("offer:1", "Diwali offer").await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
        let sid = accepted_sid(&s, 0);
        let opt_outs = infra_sql::consent::MarketingOptOuts::new(s.db.db.clone());
        assert!(!opt_outs.is_opted_out(CUSTOMER).await.unwrap());

        let stopped = failed_report(&sid, "131050", "user stopped marketing messages");
        s.log.statuses.record(&stopped).await.unwrap();
        s.log.statuses.record(&stopped).await.unwrap();

        assert!(
            opt_outs.is_opted_out(CUSTOMER).await.unwrap(),
            "{backend:?}"
        );
        assert!(!opt_outs.is_opted_out("+919800000000").await.unwrap());
        assert!(!opt_outs.opt_out(CUSTOMER, "again").await.unwrap(), "once");
        s.db.drop().await;
    }
}

fn bodies(s: &Setup) -> Vec<String> {
    s.twilio
        .accepted()
        .iter()
        .map(|r| r.field("Body").unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_capped_marketing_template_goes_again_a_day_later_without_holding_up_replies() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let hand = ManualClock::new(MIDDAY_MS);
        let s = setup_clocked(backend, &hand).await;
        s.proactive("offer:1", "Diwali offer").await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
        let sid = accepted_sid(&s, 0);

        // Accepted, then capped for this customer (reported twice).
        let capped = failed_report(&sid, "63049", "marketing message limit reached");
        for _ in 0..2 {
            s.log.statuses.record(&capped).await.unwrap();
        }
        assert_eq!(s.status_of("Diwali offer").await, OutboundStatus::Failed);

        // The customer's next reply does not wait for the day to pass.
        s.reply("SMc1", &["your order shipped"]).await;
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
        assert_eq!(bodies(&s), ["Diwali offer", "your order shipped"]);

        // Not a minute before 24 hours…
        hand.advance(CAPPED_RETRY_AFTER - Duration::from_secs(60));
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 0, "{backend:?}");
        // …and once after them, however often the cap was reported.
        hand.advance(Duration::from_secs(120));
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1, "{backend:?}");
        assert_eq!(
            bodies(&s),
            ["Diwali offer", "your order shipped", "Diwali offer"]
        );

        // Capped again: suppressed, never a third time.
        let again = accepted_sid(&s, 2);
        s.log
            .statuses
            .record(&failed_report(
                &again,
                "63049",
                "marketing message limit reached",
            ))
            .await
            .unwrap();
        hand.advance(CAPPED_RETRY_AFTER * 2);
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 0, "{backend:?}");
        assert_eq!(s.twilio.accepted().len(), 3);
        assert!(s.log.outbox.pending(10).await.unwrap().is_empty());
        s.db.drop().await;
    }
}

#[tokio::test]
async fn a_capped_template_waiting_for_its_day_is_listed_as_not_due() {
    let hand = ManualClock::new(MIDDAY_MS);
    let s = setup_clocked(Backend::SqliteFile, &hand).await;
    s.proactive("offer:2", "Holi offer").await;
    let dispatcher = s.outbox.dispatcher(s.providers(), config());
    assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
    let sid = accepted_sid(&s, 0);
    s.log
        .statuses
        .record(&failed_report(
            &sid,
            "131049",
            "healthy ecosystem engagement",
        ))
        .await
        .unwrap();

    let pending = s.log.outbox.pending(10).await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert!(!pending[0].due, "{pending:?}");
    assert!(s.log.outbox.due(10).await.unwrap().is_empty());
    let row = s
        .rows()
        .await
        .into_iter()
        .rfind(|r| r.body.as_deref() == Some("Holi offer"))
        .unwrap();
    assert!(
        row.error.as_deref().unwrap_or_default().contains("24 h"),
        "the log says why it waits: {row:?}"
    );
    s.db.drop().await;
}

/// A row stored for `in_reply_to`, claimed and accepted as `sid` after
/// `reports` about `sid` arrived: a report that overtook the send.
async fn accepted_after(
    s: &Setup,
    in_reply_to: &str,
    fallback: Option<String>,
    reports: &[StatusEvent],
) {
    let row = NewOutbound {
        provider: Provider::Twilio,
        customer: CUSTOMER.to_owned(),
        business: "+14155238886".to_owned(),
        kind: "text".to_owned(),
        body: Some("Your invoice INV-8".to_owned()),
        in_reply_to: in_reply_to.to_owned(),
        seq: 0,
        request: Some("{}".to_owned()),
        status: OutboundStatus::Pending,
        error: None,
        at_most_once: true,
        fallback,
        not_before_ms: None,
    };
    assert_eq!(s.log.outbox.enqueue(&[row]).await.unwrap(), 1);
    let id = s.log.outbox.due(1).await.unwrap()[0].id;
    let claim = s
        .log
        .outbox
        .claim_send(id, s.db.db.now_ms() + 60_000)
        .await
        .unwrap()
        .unwrap();
    for report in reports {
        s.log.statuses.record(report).await.unwrap();
    }
    s.log
        .outbox
        .mark_accepted(id, reports[0].message_id.as_str(), claim.attempts)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_window_failure_reported_before_the_send_returned_still_sends_the_template() {
    let s = setup(Backend::SqliteFile).await;
    // What the fallback holds is sent as stored; its content is not read here.
    let template = r#"{"template":"invoice_ready"}"#;
    accepted_after(
        &s,
        "invoice:8",
        Some(template.to_owned()),
        &[failed_report(
            "SMearly8",
            "63016",
            "outside the allowed window",
        )],
    )
    .await;

    assert_eq!(
        s.status_of("Your invoice INV-8").await,
        OutboundStatus::Failed
    );
    let pending = s.log.outbox.due(10).await.unwrap();
    assert_eq!(
        pending.len(),
        1,
        "the template waits to be sent: {pending:?}"
    );
    assert_eq!(
        pending[0].in_reply_to.as_deref(),
        Some("invoice:8:fallback")
    );
    s.db.drop().await;
}

#[tokio::test]
async fn a_capped_templates_retry_is_withheld_from_a_customer_who_opted_out_meanwhile() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let hand = ManualClock::new(MIDDAY_MS);
        let s = setup_clocked(backend, &hand).await;
        s.proactive("offer:3", "Eid offer").await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
        let sid = accepted_sid(&s, 0);
        s.log
            .statuses
            .record(&failed_report(
                &sid,
                "63049",
                "marketing message limit reached",
            ))
            .await
            .unwrap();

        // The customer stops marketing messages before the day is out.
        infra_sql::consent::MarketingOptOuts::new(s.db.db.clone())
            .opt_out(CUSTOMER, "STOP")
            .await
            .unwrap();
        hand.advance(CAPPED_RETRY_AFTER + Duration::from_secs(60));
        let report = dispatcher.run_once().await.unwrap();

        assert_eq!(
            (report.sent, report.failed),
            (0, 1),
            "{backend:?}: {report:?}"
        );
        assert_eq!(
            s.twilio.accepted().len(),
            1,
            "{backend:?}: never sent again"
        );
        assert!(s.log.outbox.pending(10).await.unwrap().is_empty());
        let withheld = s
            .rows()
            .await
            .into_iter()
            .rfind(|r| r.body.as_deref() == Some("Eid offer"))
            .unwrap();
        assert!(
            withheld
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("opted out"),
            "{withheld:?}"
        );
        s.db.drop().await;
    }
}

/// The provider's id of the `n`th message the fake Twilio accepted.
fn accepted_sid(s: &Setup, n: usize) -> String {
    s.twilio.accepted()[n]
        .provider_message_id()
        .unwrap()
        .to_owned()
}
