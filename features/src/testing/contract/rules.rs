//! The [`RuleRepository`] contract.

use crate::rules::{RuleFile, RuleRepository, RunRecord, RunResult};
use crate::shared::CustomerPhone;

fn spec(name: &str, keyword: &str) -> crate::rules::RuleSpec {
    let file: RuleFile = RuleFile {
        rules: vec![crate::rules::RuleSpec {
            name: name.to_owned(),
            enabled: true,
            priority: 0,
            stop_processing: false,
            trigger: crate::rules::spec::TriggerSpec {
                keyword: Some(keyword.to_owned()),
                ..Default::default()
            },
            conditions: crate::rules::spec::ConditionsSpec::default(),
            actions: vec![crate::rules::spec::ActionSpec {
                log: Some("hit".to_owned()),
                ..Default::default()
            }],
        }],
    };
    file.rules.into_iter().next().unwrap()
}

fn run(rule: &str, customer: &str, occurrence: &str, result: RunResult, at_ms: i64) -> RunRecord {
    RunRecord {
        rule: rule.to_owned(),
        customer: CustomerPhone::parse(customer).unwrap(),
        trigger: "keyword".to_owned(),
        occurrence: occurrence.to_owned(),
        actions: vec!["log \"hit\"".to_owned()],
        result,
        at_ms,
    }
}

/// Runs the contract against a FRESH, EMPTY `repo`.
pub async fn rule_repository<R: RuleRepository>(repo: R) {
    // Rules: saved by name, replaced by name, listed by name, deleted.
    let a = repo.save(&spec("b-rule", "price"), 1).await.unwrap();
    let again = repo.save(&spec("b-rule", "prices"), 2).await.unwrap();
    assert_eq!(a, again, "saving under the same name keeps the rule's id");
    repo.save(&spec("a-rule", "hello"), 3).await.unwrap();
    let stored = repo
        .get("b-rule")
        .await
        .unwrap()
        .expect("saved rule is found");
    assert_eq!(stored.spec.trigger.keyword.as_deref(), Some("prices"));
    assert_eq!(stored.updated_ms, 2);
    let names: Vec<String> = repo
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.spec.name)
        .collect();
    assert_eq!(names, ["a-rule", "b-rule"], "listed by name");
    assert!(repo.delete("a-rule").await.unwrap());
    assert!(!repo.delete("a-rule").await.unwrap(), "deleted once");
    assert!(repo.get("a-rule").await.unwrap().is_none());

    // Runs: once per rule, customer and occurrence.
    assert!(
        repo.record_run(&run("b-rule", "+919800000001", "m1", RunResult::Done, 10))
            .await
            .unwrap()
    );
    assert!(
        !repo
            .record_run(&run("b-rule", "+919800000001", "m1", RunResult::Done, 11))
            .await
            .unwrap(),
        "a second run of one occurrence is refused"
    );
    assert!(
        repo.record_run(&run(
            "b-rule",
            "+919800000002",
            "m1",
            RunResult::Skipped("lacks a tag".into()),
            12
        ))
        .await
        .unwrap()
    );
    assert!(
        repo.record_run(&run(
            "b-rule",
            "+919800000001",
            "m2",
            RunResult::Failed("no template".into()),
            20
        ))
        .await
        .unwrap()
    );
    assert!(
        repo.record_run(&run("b-rule", "+919800000001", "m3", RunResult::Done, 30))
            .await
            .unwrap()
    );
    let one = CustomerPhone::parse("+919800000001").unwrap();
    assert_eq!(
        repo.runs_since("b-rule", &one, 0).await.unwrap(),
        2,
        "done runs only"
    );
    assert_eq!(
        repo.runs_since("b-rule", &one, 11).await.unwrap(),
        1,
        "since a time"
    );
    assert_eq!(
        repo.runs_since("b-rule", &one, 30).await.unwrap(),
        0,
        "after the time: a run at it is not counted"
    );
    let counts = repo.counts().await.unwrap();
    let c = counts.get("b-rule").copied().unwrap_or_default();
    assert_eq!((c.succeeded, c.skipped, c.failed), (2, 1, 1));
    repo.set_result("b-rule", &one, "m1", &RunResult::Failed("not sent".into()))
        .await
        .unwrap();
    let c = repo
        .counts()
        .await
        .unwrap()
        .get("b-rule")
        .copied()
        .unwrap_or_default();
    assert_eq!((c.succeeded, c.failed), (1, 2), "a result changed");
    assert_eq!(repo.runs_since("b-rule", &one, 0).await.unwrap(), 1);
    let runs = repo.runs("b-rule", 2).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].occurrence, "m3", "newest first");
    assert_eq!(
        runs[1].result,
        RunResult::Failed("no template".into()),
        "the reason kept"
    );
    assert_eq!(runs[0].actions, ["log \"hit\""]);
}
