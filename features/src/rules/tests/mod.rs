//! The rules feature against its in-memory ports.

mod checks;
mod events;
mod messages;
mod timed;

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

fn birthday_rule() -> RuleSpec {
    let mut spec = rule(
        "birthday",
        spec::TriggerSpec::default(),
        vec![template("birthday_greeting")],
    );
    spec.trigger.birthday = Some("10:00".to_owned());
    spec
}
