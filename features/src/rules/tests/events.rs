//! Rules on the shop's events: an order confirmed, an invoice overdue.

use super::*;

#[tokio::test]
async fn an_order_confirmed_rule_acts_once_per_order_and_its_dry_run_replays_the_orders() {
    let w = world("Asia/Kolkata", Some("21:00-09:00"), "2026-12-07T06:00:00Z");
    let mut thanks = rule(
        "thanks",
        spec::TriggerSpec {
            order_confirmed: true,
            ..Default::default()
        },
        vec![text("Thank you for order {{last_order}}!"), tag("buyer")],
    );
    thanks.conditions.at_most = Some(spec::CapSpec {
        times: 1,
        per: "1d".to_owned(),
    });
    w.service.save(SaveRule { spec: thanks }).await.unwrap();
    let mut asha = Subject::unknown(phone(1));
    asha.last_inbound_ms = Some(ms("2026-12-07T05:59:00Z"));
    asha.last_order = Some("ORD-00007".to_owned());
    w.subjects.put(asha);
    let event = |occurrence: &str, at: &str| RunEventRules {
        event: RuleEvent::OrderConfirmed,
        customer: phone(1),
        occurrence: occurrence.to_owned(),
        at_ms: ms(at),
    };
    let first = w
        .service
        .on_event(event("ORD-00007", "2026-12-07T06:00:00Z"), &w.effects)
        .await
        .unwrap();
    assert_eq!(first, EventStep::Done(vec!["thanks".to_owned()]));
    // The same order again (a retried job) acts no more; another order the
    // same day is capped.
    w.service
        .on_event(event("ORD-00007", "2026-12-07T06:00:00Z"), &w.effects)
        .await
        .unwrap();
    let second = w
        .service
        .on_event(event("ORD-00008", "2026-12-07T06:30:00Z"), &w.effects)
        .await
        .unwrap();
    assert_eq!(second, EventStep::Done(Vec::new()));
    let sent: Vec<_> = w
        .effects
        .effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Sent { message, key, .. } => Some((message, key)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [(
            Personalised::Text("Thank you for order ORD-00007!".to_owned()),
            "rule:thanks:ORD-00007:0".to_owned()
        )]
    );
    // A rule on invoices does not fire on orders; quiet hours wait.
    let chase = rule(
        "chase",
        spec::TriggerSpec {
            invoice_overdue: true,
            ..Default::default()
        },
        vec![template("welcome")],
    );
    w.service.save(SaveRule { spec: chase }).await.unwrap();
    let third = w
        .service
        .on_event(event("ORD-00010", "2026-12-07T07:00:00Z"), &w.effects)
        .await
        .unwrap();
    assert_eq!(
        third,
        EventStep::Done(Vec::new()),
        "capped thanks, no chase"
    );
    assert!(w.rules.all_runs().iter().all(|r| r.rule != "chase"));
    w.time.store(ms("2026-12-07T16:00:00Z"), Ordering::SeqCst);
    let late = w
        .service
        .on_event(event("ORD-00009", "2026-12-07T16:00:00Z"), &w.effects)
        .await
        .unwrap();
    assert_eq!(late, EventStep::WaitUntil(ms("2026-12-08T03:30:00Z")));

    for (occurrence, at) in [
        ("ORD-00007", "2026-12-07T06:00:00Z"),
        ("ORD-00008", "2026-12-07T06:30:00Z"),
    ] {
        w.subjects.event(PastEvent {
            event: RuleEvent::OrderConfirmed,
            customer: phone(1),
            occurrence: occurrence.to_owned(),
            at_ms: ms(at),
        });
    }
    w.subjects.event(PastEvent {
        event: RuleEvent::InvoiceOverdue,
        customer: phone(1),
        occurrence: "INV-00001".to_owned(),
        at_ms: ms("2026-12-07T06:10:00Z"),
    });
    let hits = w
        .service
        .dry_run(DryRun {
            rule: "thanks".to_owned(),
            since_ms: ms("2026-12-01T00:00:00Z"),
        })
        .await
        .unwrap();
    let dry: Vec<_> = hits
        .iter()
        .map(|h| (h.occurrence.as_str(), h.skipped.is_none()))
        .collect();
    assert_eq!(dry, [("ORD-00007", true), ("ORD-00008", false)], "as live");
}
