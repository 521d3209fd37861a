//! Rules as written: refused with the field named, matched as written, edited and switched.

use super::*;

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
