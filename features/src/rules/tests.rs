//! The rules feature against its in-memory ports.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

use super::*;
use crate::campaigns::Personalised;
use crate::customers::Tag;
use crate::reminders::{QuietHours, ShopClock};
use crate::shared::{CustomerPhone, Now};
use crate::testing::{Effect, InMemRules, InMemSubjects, RecordingEffects};

type Service = RuleService<InMemRules, InMemSubjects>;

struct World {
    service: Service,
    rules: InMemRules,
    subjects: InMemSubjects,
    effects: RecordingEffects,
    time: Arc<AtomicI64>,
}

fn ms(instant: &str) -> i64 {
    instant.parse::<Timestamp>().unwrap().as_millisecond()
}

fn world(tz: &str, quiet: Option<&str>, at: &str) -> World {
    let time = Arc::new(AtomicI64::new(ms(at)));
    let now = Now::from_fn({
        let time = Arc::clone(&time);
        move || time.load(Ordering::SeqCst)
    });
    let clock = ShopClock::new(tz, quiet.map(|q| q.parse::<QuietHours>().unwrap())).unwrap();
    let templates: BTreeSet<String> = ["birthday_greeting", "stock_update", "welcome"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let rules = InMemRules::new();
    let subjects = InMemSubjects::new();
    World {
        service: RuleService::new(rules.clone(), subjects.clone(), clock, templates, now),
        rules,
        subjects,
        effects: RecordingEffects::new(),
        time,
    }
}

fn phone(n: u32) -> CustomerPhone {
    CustomerPhone::parse(&format!("+91980000{n:04}")).unwrap()
}

fn file(toml_like: &[RuleSpec]) -> RuleFile {
    RuleFile {
        rules: toml_like.to_vec(),
    }
}

fn rule(name: &str, trigger: spec::TriggerSpec, actions: Vec<spec::ActionSpec>) -> RuleSpec {
    RuleSpec {
        name: name.to_owned(),
        enabled: true,
        priority: 0,
        stop_processing: false,
        trigger,
        conditions: spec::ConditionsSpec::default(),
        actions,
    }
}

fn keyword(k: &str) -> spec::TriggerSpec {
    spec::TriggerSpec {
        keyword: Some(k.to_owned()),
        ..Default::default()
    }
}

fn text(t: &str) -> spec::ActionSpec {
    spec::ActionSpec {
        send: Some(spec::SendSpec {
            text: Some(t.to_owned()),
            template: None,
        }),
        ..Default::default()
    }
}

fn template(name: &str) -> spec::ActionSpec {
    spec::ActionSpec {
        send: Some(spec::SendSpec {
            text: None,
            template: Some(spec::TemplateSpec {
                name: name.to_owned(),
                language: "en".to_owned(),
                content_sid: None,
                variables: vec!["{{name}}".to_owned()],
            }),
        }),
        ..Default::default()
    }
}

fn tag(t: &str) -> spec::ActionSpec {
    spec::ActionSpec {
        tag: Some(vec![t.to_owned()]),
        ..Default::default()
    }
}

fn message(id: &str, who: &CustomerPhone, t: &str) -> RunMessageRules {
    RunMessageRules {
        message_id: id.to_owned(),
        customer: who.clone(),
        name: Some("Asha".to_owned()),
        text: t.to_owned(),
    }
}

fn field_of(error: RuleError) -> String {
    match error {
        RuleError::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other}"),
    }
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field() {
    let w = world("Asia/Kolkata", None, "2026-12-07T04:00:00Z");
    let check = |spec: RuleSpec| w.service.check(&spec).map(|_| ()).map_err(field_of);

    let mut never = rule("never", spec::TriggerSpec::default(), vec![text("x")]);
    never.trigger.cron = Some("0 0 30 2 *".to_owned());
    assert_eq!(
        check(never).unwrap_err(),
        "trigger.cron",
        "30 February never comes"
    );

    let mut seconds = rule("sec", spec::TriggerSpec::default(), vec![text("x")]);
    seconds.trigger.cron = Some("0 0 9 * * MON".to_owned());
    assert_eq!(check(seconds).unwrap_err(), "trigger.cron");

    let mut regex = rule("re", spec::TriggerSpec::default(), vec![text("x")]);
    regex.trigger.regex = Some("price(".to_owned());
    assert_eq!(check(regex).unwrap_err(), "trigger.regex");
    let mut accented = rule("re", spec::TriggerSpec::default(), vec![text("x")]);
    accented.trigger.regex = Some("café".to_owned());
    assert_eq!(check(accented).unwrap_err(), "trigger.regex");

    let unknown = rule("t", keyword("hi"), vec![text("x"), template("no_such")]);
    assert_eq!(check(unknown).unwrap_err(), "actions[1].send.template.name");

    let mut two = rule("two", keyword("hi"), vec![text("x")]);
    two.trigger.any_message = true;
    assert_eq!(check(two).unwrap_err(), "trigger");

    let mut stop_timed = rule(
        "st",
        spec::TriggerSpec::default(),
        vec![template("welcome")],
    );
    stop_timed.trigger.birthday = Some("10:00".to_owned());
    stop_timed.stop_processing = true;
    assert_eq!(check(stop_timed).unwrap_err(), "stop_processing");

    assert_eq!(
        check(rule("Bad name!", keyword("hi"), vec![text("x")])).unwrap_err(),
        "name"
    );
    assert_eq!(
        check(rule("empty", keyword("hi"), vec![])).unwrap_err(),
        "actions"
    );

    let mut bad_cap = rule("cap", keyword("hi"), vec![text("x")]);
    bad_cap.conditions.at_most = Some(spec::CapSpec {
        times: 1,
        per: "1 week".to_owned(),
    });
    assert_eq!(check(bad_cap).unwrap_err(), "conditions.at_most.per");

    // A file stores all or nothing, and names the rule.
    let error = w
        .service
        .import(ImportRules {
            file: file(&[
                rule("fine", keyword("hi"), vec![text("x")]),
                rule("broken", keyword("hi"), vec![template("no_such")]),
            ]),
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(error), "rule[1].actions[0].send.template.name");
    assert!(
        w.service.list(ListRules).await.unwrap().is_empty(),
        "nothing stored"
    );

    let mut past = rule(
        "past",
        spec::TriggerSpec::default(),
        vec![template("welcome")],
    );
    past.trigger.once = Some("2026-12-01T09:00".to_owned());
    let error = w.service.save(SaveRule { spec: past }).await.unwrap_err();
    assert_eq!(
        field_of(error),
        "trigger.once",
        "a one-off in the past never fires"
    );
}

#[tokio::test]
async fn a_regex_matches_in_any_case_and_accent() {
    let w = world("Asia/Kolkata", None, "2026-12-07T04:30:00Z");
    let mut spec = rule("re", spec::TriggerSpec::default(), vec![text("x")]);
    spec.trigger.regex = Some(r"\bCAFE\b|^rate(s)?$".to_owned());
    let Trigger::Keyword(k) = w.service.check(&spec).unwrap().trigger else {
        panic!("a regex is a keyword trigger");
    };
    assert!(k.matches("Is the Café open?"));
    assert!(k.matches("RATES"));
    assert!(!k.matches("cafeteria"));
}

#[test]
fn keywords_match_whole_words_in_any_case_and_accent() {
    let k = Keyword::words("Price List");
    assert!(k.matches("please send the PRICE-list"));
    assert!(k.matches("prìce lïst?"));
    assert!(!k.matches("pricelist"));
    assert!(!k.matches("price of the list"));
    assert!(!k.matches("prices list"));
}

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

fn birthday_rule() -> RuleSpec {
    let mut spec = rule(
        "birthday",
        spec::TriggerSpec::default(),
        vec![template("birthday_greeting")],
    );
    spec.trigger.birthday = Some("10:00".to_owned());
    spec
}

#[tokio::test]
async fn a_birthday_at_ten_in_kolkata_fires_at_half_past_four_utc_once() {
    let w = world("Asia/Kolkata", None, "2026-12-07T00:00:00Z");
    w.service
        .save(SaveRule {
            spec: birthday_rule(),
        })
        .await
        .unwrap();
    let mut asha = Subject::unknown(phone(1));
    asha.birthday = Some("1990-12-07".parse().unwrap());
    let mut ravi = Subject::unknown(phone(2));
    ravi.birthday = Some("1985-03-02".parse().unwrap());
    w.subjects.put(asha);
    w.subjects.put(ravi);

    let due_at = |t: &str| {
        let svc = w.service.clone();
        let at_ms = ms(t);
        async move { svc.due(DueRules { at_ms }).await.unwrap() }
    };
    assert!(
        due_at("2026-12-07T10:00:00Z").await.is_empty(),
        "not 10:00 UTC"
    );
    let due = due_at("2026-12-07T04:30:20Z").await;
    assert_eq!(
        due,
        [Due {
            rule: "birthday".to_owned(),
            occurrence: "2026-12-07".to_owned(),
            at_ms: ms("2026-12-07T04:30:00Z"),
        }]
    );

    w.time.store(ms("2026-12-07T04:30:30Z"), Ordering::SeqCst);
    let page = FanOut {
        rule: "birthday".to_owned(),
        occurrence: "2026-12-07".to_owned(),
        at_ms: ms("2026-12-07T04:30:00Z"),
        after: None,
        limit: 100,
    };
    assert_eq!(
        w.service.fan_out(page.clone(), &w.effects).await.unwrap(),
        FanOutStep::Finished
    );
    // The page run again (a retried job) sends nothing more.
    w.service.fan_out(page, &w.effects).await.unwrap();
    let sent: Vec<_> = w
        .effects
        .effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Sent { to, key, .. } => Some((to, key)),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [(phone(1), "rule:birthday:2026-12-07:0".to_owned())]);
}

#[tokio::test]
async fn a_monday_nine_cron_follows_the_zone_across_a_daylight_saving_change() {
    // New York leaves daylight saving time on Sunday 1 November 2026.
    let w = world("America/New_York", None, "2026-10-20T00:00:00Z");
    let mut weekly = rule(
        "monday-stock",
        spec::TriggerSpec::default(),
        vec![template("stock_update")],
    );
    weekly.trigger.cron = Some("0 9 * * MON".to_owned());
    w.service.save(SaveRule { spec: weekly }).await.unwrap();
    let due = |t: &str| {
        let svc = w.service.clone();
        let at_ms = ms(t);
        async move { svc.due(DueRules { at_ms }).await.unwrap() }
    };
    // 26 October: EDT, UTC-4.
    assert_eq!(due("2026-10-26T13:00:00Z").await.len(), 1);
    assert!(due("2026-10-26T14:00:00Z").await.is_empty());
    // 2 November: EST, UTC-5.
    assert!(due("2026-11-02T13:00:00Z").await.is_empty());
    let after = due("2026-11-02T14:00:00Z").await;
    assert_eq!(
        after,
        [Due {
            rule: "monday-stock".to_owned(),
            occurrence: "2026-11-02T09:00".to_owned(),
            at_ms: ms("2026-11-02T14:00:00Z"),
        }]
    );
}

#[tokio::test]
async fn proactive_rules_skip_opted_out_customers_and_wait_out_quiet_hours() {
    let w = world("Asia/Kolkata", Some("21:00-09:00"), "2026-12-07T16:00:00Z"); // 21:30 local
    let mut weekly = rule(
        "monday-stock",
        spec::TriggerSpec::default(),
        vec![template("stock_update")],
    );
    weekly.trigger.cron = Some("30 21 * * *".to_owned());
    w.service.save(SaveRule { spec: weekly }).await.unwrap();
    let mut out = Subject::unknown(phone(1));
    out.marketing_ok = false;
    w.subjects.put(out);
    w.subjects.put(Subject::unknown(phone(2)));
    let page = FanOut {
        rule: "monday-stock".to_owned(),
        occurrence: "2026-12-07T21:30".to_owned(),
        at_ms: ms("2026-12-07T16:00:00Z"),
        after: None,
        limit: 10,
    };
    let step = w.service.fan_out(page.clone(), &w.effects).await.unwrap();
    assert_eq!(
        step,
        FanOutStep::WaitUntil(ms("2026-12-08T03:30:00Z")),
        "09:00 local"
    );
    assert!(w.effects.effects().is_empty());

    w.time.store(ms("2026-12-08T03:30:00Z"), Ordering::SeqCst);
    w.service.fan_out(page, &w.effects).await.unwrap();
    let runs = w.rules.all_runs();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].result, RunResult::Skipped("opted out".to_owned()));
    assert_eq!(runs[1].result, RunResult::Done);
    assert_eq!(
        w.effects.effects().len(),
        1,
        "only the customer who did not opt out"
    );
}

#[tokio::test]
async fn a_fan_out_goes_page_by_page_and_a_cap_holds() {
    let w = world("Asia/Kolkata", None, "2026-12-07T04:00:00Z");
    let mut daily = rule(
        "daily",
        spec::TriggerSpec::default(),
        vec![template("stock_update")],
    );
    daily.trigger.cron = Some("* * * * *".to_owned());
    daily.conditions.at_most = Some(spec::CapSpec {
        times: 1,
        per: "1d".to_owned(),
    });
    w.service.save(SaveRule { spec: daily }).await.unwrap();
    for n in 1..=5 {
        w.subjects.put(Subject::unknown(phone(n)));
    }
    let mut after = None;
    let mut pages = 0;
    loop {
        let step = w
            .service
            .fan_out(
                FanOut {
                    rule: "daily".to_owned(),
                    occurrence: "2026-12-07T09:30".to_owned(),
                    at_ms: ms("2026-12-07T04:00:00Z"),
                    after: after.clone(),
                    limit: 2,
                },
                &w.effects,
            )
            .await
            .unwrap();
        pages += 1;
        match step {
            FanOutStep::Next(last) => after = Some(last),
            FanOutStep::Finished => break,
            FanOutStep::WaitUntil(_) => panic!("no quiet hours"),
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(w.effects.effects().len(), 5);
    // The next occurrence within the day is capped for everyone.
    w.service
        .fan_out(
            FanOut {
                rule: "daily".to_owned(),
                occurrence: "2026-12-07T09:31".to_owned(),
                at_ms: ms("2026-12-07T04:01:00Z"),
                after: None,
                limit: 10,
            },
            &w.effects,
        )
        .await
        .unwrap();
    assert_eq!(w.effects.effects().len(), 5);
    let counts = w
        .service
        .get(GetRule {
            name: "daily".to_owned(),
        })
        .await
        .unwrap()
        .counts;
    assert_eq!(
        (counts.fired(), counts.succeeded, counts.skipped),
        (10, 5, 5)
    );
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
async fn a_birthday_inside_a_daylight_saving_gap_moves_forward_and_one_in_the_fold_fires_once() {
    // New York springs forward on 8 March 2026 (02:00 → 03:00) and falls
    // back on 1 November 2026 (02:00 → 01:00).
    let w = world("America/New_York", None, "2026-03-01T00:00:00Z");
    let mut spring = birthday_rule();
    spring.trigger.birthday = Some("02:30".to_owned());
    w.service.save(SaveRule { spec: spring }).await.unwrap();
    let due = |t: &str| {
        let svc = w.service.clone();
        let at_ms = ms(t);
        async move { svc.due(DueRules { at_ms }).await.unwrap() }
    };
    // 02:30 does not exist on 8 March: the greeting goes at 03:30 EDT.
    assert!(due("2026-03-08T06:30:00Z").await.is_empty());
    assert_eq!(due("2026-03-08T07:30:00Z").await.len(), 1, "03:30 EDT");
    assert_eq!(
        due("2026-03-09T06:30:00Z").await.len(),
        1,
        "02:30 EDT the next day"
    );

    let mut fold = birthday_rule();
    fold.trigger.birthday = Some("01:30".to_owned());
    w.service.save(SaveRule { spec: fold }).await.unwrap();
    // 01:30 happens twice on 1 November: the first (EDT) only.
    assert_eq!(due("2026-11-01T05:30:00Z").await.len(), 1, "01:30 EDT");
    assert!(
        due("2026-11-01T06:30:00Z").await.is_empty(),
        "not 01:30 EST again"
    );
}

#[tokio::test]
async fn a_daily_cap_lets_a_daily_rule_act_each_day_however_late_its_pages_run() {
    let w = world("Asia/Kolkata", None, "2026-12-07T03:30:00Z");
    let mut daily = rule(
        "daily",
        spec::TriggerSpec::default(),
        vec![template("stock_update")],
    );
    daily.trigger.cron = Some("0 9 * * *".to_owned());
    daily.conditions.at_most = Some(spec::CapSpec {
        times: 1,
        per: "1d".to_owned(),
    });
    w.service.save(SaveRule { spec: daily }).await.unwrap();
    w.subjects.put(Subject::unknown(phone(1)));
    let page = |occurrence: &str, at: &str| FanOut {
        rule: "daily".to_owned(),
        occurrence: occurrence.to_owned(),
        at_ms: ms(at),
        after: None,
        limit: 10,
    };
    // Day 1's page runs 40 s late; day 2's at once: still a day apart.
    w.time.store(ms("2026-12-07T03:30:40Z"), Ordering::SeqCst);
    w.service
        .fan_out(page("2026-12-07T09:00", "2026-12-07T03:30:00Z"), &w.effects)
        .await
        .unwrap();
    w.time.store(ms("2026-12-08T03:30:05Z"), Ordering::SeqCst);
    w.service
        .fan_out(page("2026-12-08T09:00", "2026-12-08T03:30:00Z"), &w.effects)
        .await
        .unwrap();
    let results: Vec<_> = w.rules.all_runs().into_iter().map(|r| r.result).collect();
    assert_eq!(results, [RunResult::Done, RunResult::Done]);
    assert_eq!(w.effects.effects().len(), 2);
}

#[tokio::test]
async fn a_message_that_cannot_go_is_a_failed_run_and_an_edited_rule_drops_its_old_occurrence() {
    let w = world("Asia/Kolkata", None, "2026-12-07T04:30:00Z");
    w.service
        .save(SaveRule {
            spec: birthday_rule(),
        })
        .await
        .unwrap();
    for n in [1, 2] {
        let mut s = Subject::unknown(phone(n));
        s.birthday = Some("1990-12-07".parse().unwrap());
        w.subjects.put(s);
    }
    w.effects.unreachable(&phone(2));
    let page = FanOut {
        rule: "birthday".to_owned(),
        occurrence: "2026-12-07".to_owned(),
        at_ms: ms("2026-12-07T04:30:00Z"),
        after: None,
        limit: 10,
    };
    w.service.fan_out(page.clone(), &w.effects).await.unwrap();
    let counts = w
        .service
        .get(GetRule {
            name: "birthday".to_owned(),
        })
        .await
        .unwrap()
        .counts;
    assert_eq!((counts.succeeded, counts.failed), (1, 1));
    let failed = w
        .rules
        .all_runs()
        .into_iter()
        .find(|r| r.customer == phone(2))
        .unwrap();
    assert_eq!(
        failed.result,
        RunResult::Failed("no channel reaches them".to_owned())
    );

    // Made a schedule meanwhile: the birthday's occurrence is not its own.
    let mut edited = birthday_rule();
    edited.trigger.birthday = None;
    edited.trigger.cron = Some("0 9 * * *".to_owned());
    w.service.save(SaveRule { spec: edited }).await.unwrap();
    w.subjects.put(Subject::unknown(phone(3)));
    let step = w.service.fan_out(page, &w.effects).await.unwrap();
    assert_eq!(step, FanOutStep::Finished);
    assert_eq!(w.rules.all_runs().len(), 2, "nobody else");
}

#[tokio::test]
async fn a_rule_that_no_longer_passes_can_still_be_switched_off() {
    let w = world("Asia/Kolkata", None, "2026-12-07T04:30:00Z");
    let mut once = rule(
        "once",
        spec::TriggerSpec::default(),
        vec![template("welcome")],
    );
    once.trigger.once = Some("2026-12-07T10:05".to_owned());
    w.service.save(SaveRule { spec: once }).await.unwrap();
    w.time.store(ms("2026-12-08T00:00:00Z"), Ordering::SeqCst);
    let off = w
        .service
        .set_enabled(SetRuleEnabled {
            name: "once".to_owned(),
            enabled: false,
        })
        .await
        .unwrap();
    assert!(!off.spec.enabled);
}

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

#[tokio::test]
async fn an_edited_rule_takes_effect_on_the_next_message() {
    let w = world("Asia/Kolkata", None, "2026-12-07T06:00:00Z");
    let asha = phone(1);
    let ask = |id: &str, t: &str| {
        let (svc, effects, who) = (w.service.clone(), w.effects.clone(), asha.clone());
        let (id, t) = (id.to_owned(), t.to_owned());
        async move {
            svc.on_message(message(&id, &who, &t), &effects)
                .await
                .unwrap()
                .fired
        }
    };
    w.service
        .save(SaveRule {
            spec: rule("hours", keyword("opening hours"), vec![text("9 to 6")]),
        })
        .await
        .unwrap();
    assert_eq!(ask("m1", "opening hours?").await, ["hours"]);
    w.service
        .save(SaveRule {
            spec: rule("hours", keyword("timings"), vec![text("9 to 6")]),
        })
        .await
        .unwrap();
    assert!(
        ask("m2", "opening hours?").await.is_empty(),
        "the old keyword"
    );
    assert_eq!(ask("m3", "timings?").await, ["hours"]);
    w.service
        .delete(DeleteRule {
            name: "hours".to_owned(),
        })
        .await
        .unwrap();
    assert!(ask("m4", "timings?").await.is_empty(), "deleted");
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
