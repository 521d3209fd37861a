//! Rules on messages: priority, stop-processing, new contacts, webhooks, and the dry run against live runs.

use super::*;

#[tokio::test]
async fn a_rule_that_stops_processing_answers_alone_and_once_per_message() {
    let w = world("Asia/Kolkata", None, "2026-12-07T06:00:00Z");
    let mut price = rule(
        "price-list",
        keyword("price list"),
        vec![text("Cement 400, sand 50"), tag("asked-prices")],
    );
    price.priority = 10;
    price.stop_processing = true;
    let also = rule(
        "also",
        spec::TriggerSpec {
            any_message: true,
            ..Default::default()
        },
        vec![tag("wrote")],
    );
    w.service
        .import(ImportRules {
            file: file(&[price, also]),
        })
        .await
        .unwrap();
    let asha = phone(1);
    w.subjects
        .message("m1", &asha, "price list please", ms("2026-12-07T06:00:00Z"));

    let outcome = w
        .service
        .on_message(message("m1", &asha, "price list please"), &w.effects)
        .await
        .unwrap();
    assert!(outcome.stop, "the shop does not also answer");
    assert_eq!(
        outcome.fired,
        ["price-list"],
        "the rule after it does not run"
    );
    assert_eq!(
        outcome.replies,
        [Personalised::Text("Cement 400, sand 50".to_owned())]
    );
    assert_eq!(
        w.effects.effects(),
        [Effect::Tagged(
            asha.clone(),
            vec![Tag::parse("asked-prices").unwrap()]
        )]
    );

    let again = w
        .service
        .on_message(message("m1", &asha, "price list please"), &w.effects)
        .await
        .unwrap();
    assert!(
        again.replies.is_empty() && again.fired.is_empty(),
        "one run per message"
    );
    assert!(again.stop, "and it still answers that message alone");
    assert_eq!(w.effects.effects().len(), 1);

    let other = w
        .service
        .on_message(message("m2", &asha, "hello"), &w.effects)
        .await
        .unwrap();
    assert!(!other.stop, "any-message rule answers beside the shop");
    assert_eq!(other.fired, ["also"]);
}

#[tokio::test]
async fn a_new_contact_is_greeted_on_their_first_message_only() {
    let w = world("Asia/Kolkata", None, "2026-12-07T06:00:00Z");
    let welcome = rule(
        "welcome",
        spec::TriggerSpec {
            new_contact: true,
            ..Default::default()
        },
        vec![text("Welcome {{name}}!"), tag("new")],
    );
    w.service.save(SaveRule { spec: welcome }).await.unwrap();
    let asha = phone(1);
    let at = ms("2026-12-07T06:00:00Z");
    w.subjects.message("m1", &asha, "hi", at);
    w.subjects.message("m2", &asha, "hi again", at + 1000);
    let first = w
        .service
        .on_message(message("m1", &asha, "hi"), &w.effects)
        .await
        .unwrap();
    assert_eq!(
        first.replies,
        [Personalised::Text("Welcome Asha!".to_owned())]
    );
    let second = w
        .service
        .on_message(message("m2", &asha, "hi again"), &w.effects)
        .await
        .unwrap();
    assert!(second.fired.is_empty());
}

#[tokio::test]
async fn the_dry_run_matches_what_the_rule_then_does() {
    let w = world("Asia/Kolkata", None, "2026-12-07T06:00:00Z");
    let mut price = rule(
        "price-list",
        keyword("price list"),
        vec![text("Cement 400"), tag("asked")],
    );
    price.enabled = false;
    price.conditions.not_tags = vec!["staff".to_owned()];
    price.conditions.at_most = Some(spec::CapSpec {
        times: 1,
        per: "1d".to_owned(),
    });
    w.service.save(SaveRule { spec: price }).await.unwrap();
    let staff = phone(9);
    let mut s = Subject::unknown(staff.clone());
    s.tags = vec![Tag::parse("staff").unwrap()];
    w.subjects.put(s);
    let start = ms("2026-12-07T05:00:00Z");
    let script = [
        (1, "price list?"),
        (2, "hello"),
        (1, "PRICE LIST again"),
        (9, "price list"),
        (3, "the price list"),
    ];
    for (i, (who, t)) in script.iter().enumerate() {
        w.subjects.message(
            &format!("old{i}"),
            &phone(*who),
            t,
            start + i as i64 * 60_000,
        );
    }
    let hits = w
        .service
        .dry_run(DryRun {
            rule: "price-list".to_owned(),
            since_ms: start,
        })
        .await
        .unwrap();
    let summary = |customer: &CustomerPhone, acted: bool| (customer.clone(), acted);
    let dry: Vec<_> = hits
        .iter()
        .map(|h| summary(&h.customer, h.skipped.is_none()))
        .collect();
    assert_eq!(
        dry,
        [
            summary(&phone(1), true),
            summary(&phone(1), false),
            summary(&staff, false),
            summary(&phone(3), true)
        ]
    );
    assert!(w.effects.effects().is_empty(), "a dry run does nothing");

    w.service
        .set_enabled(SetRuleEnabled {
            name: "price-list".to_owned(),
            enabled: true,
        })
        .await
        .unwrap();
    for (i, (who, t)) in script.iter().enumerate() {
        w.service
            .on_message(message(&format!("new{i}"), &phone(*who), t), &w.effects)
            .await
            .unwrap();
    }
    let live: Vec<_> = w
        .rules
        .all_runs()
        .iter()
        .map(|r| summary(&r.customer, r.result == RunResult::Done))
        .collect();
    assert_eq!(live, dry, "live runs decide as the dry run did");
}

#[tokio::test]
async fn a_webhook_action_asks_for_one_call_per_run_and_action() {
    let w = world("Asia/Kolkata", None, "2026-12-07T06:00:00Z");
    let hook = |url: &str| spec::ActionSpec {
        webhook: Some(spec::WebhookSpec {
            url: url.to_owned(),
        }),
        ..Default::default()
    };
    let bad = rule("crm", keyword("quote"), vec![hook("ftp://crm.example/x")]);
    assert_eq!(
        field_of(w.service.check(&bad).unwrap_err()),
        "actions[0].webhook.url"
    );
    w.service
        .save(SaveRule {
            spec: rule(
                "crm",
                keyword("quote"),
                vec![tag("lead"), hook("https://crm.example/leads")],
            ),
        })
        .await
        .unwrap();
    let asha = phone(1);
    w.service
        .on_message(message("m1", &asha, "a quote please"), &w.effects)
        .await
        .unwrap();
    w.service
        .on_message(message("m1", &asha, "a quote please"), &w.effects)
        .await
        .unwrap();
    let calls: Vec<_> = w
        .effects
        .effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Webhook(call) => Some(call),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 1, "one run of the message: {calls:?}");
    let call = &calls[0];
    assert_eq!(
        (
            call.url.as_str(),
            call.rule.as_str(),
            call.trigger.as_str(),
            call.occurrence.as_str(),
            call.action
        ),
        ("https://crm.example/leads", "crm", "keyword", "m1", 1)
    );
    assert_eq!(call.customer, asha);
}
