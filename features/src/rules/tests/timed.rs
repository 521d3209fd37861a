//! Rules on the clock: birthdays and schedules in the shop's time zone, pages, caps, consent, quiet hours.

use super::*;

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
