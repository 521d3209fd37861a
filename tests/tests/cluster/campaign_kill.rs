//! A campaign whose instance is killed with SIGKILL mid-campaign: another
//! instance finishes it, and nobody gets the campaign twice.
//!
//! The killed instance is this test binary run again (its ignored
//! `child_instance` test): a whole bot (server, dispatcher, job workers)
//! on the test's PostgreSQL database, sending to the fake Twilio of this
//! process. What a kill can cost is the sends claimed at that moment (up
//! to two batches): campaign messages are never sent again after an unknown
//! outcome, so such a recipient got it once (if its request had left) or
//! not at all, and is counted `unknown`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bot::jobs::send_campaign;
use features::campaigns::{
    Audience, CampaignMessage, CampaignState, CreateCampaign, Step, TemplateMessage, Variable,
};
use features::shared::CustomerPhone;
use infra_providers::testing::{FakeMeta, FakeTwilio};
use infra_sql::testing::TempDatabase;

use crate::child::ChildInstance;
use crate::support::{ACCESS_TOKEN, ACCOUNT_SID, BUSINESS, TOKEN, spawn_bot_sharing};

const CHILD_TEST: &str = "campaign_kill::child_instance";
const CHILD_DATABASE: &str = "CAMPANILE_CAMPAIGN_KILL_DATABASE_URL";
const CHILD_TWILIO: &str = "CAMPANILE_CAMPAIGN_KILL_TWILIO";
const READY: &str = "CAMPAIGN-KILL-CHILD-READY";
const CONTENT_SID: &str = "HX0000000000000000000000000000kill";
const RECIPIENTS: usize = 400;

/// The instance's settings: the shared database and fake, 100 messages a
/// second (so the campaign takes seconds), small batches.
fn tweak(s: &mut bot::config::Settings, url: &str, twilio: &str) {
    s.database = infra_sql::DatabaseSettings::new(Some(url)).with_max_connections(4);
    s.twilio.api_base = twilio.to_owned();
    s.twilio.whatsapp_from = Some(framework::PhoneNumber::parse(BUSINESS).unwrap());
    s.shop.quiet_hours = None;
    s.outbound.twilio_mps = 100;
    s.campaigns.batch = 20;
    s.campaigns.messaging_limit = features::campaigns::MessagingLimits::parse("5000").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the SIGKILL scenario's child process; run by the scenario"]
async fn child_instance() {
    crate::child::serve_child(CHILD_DATABASE, CHILD_TWILIO, READY, tweak).await;
}

fn campaign_messages(twilio: &FakeTwilio) -> Vec<String> {
    twilio
        .accepted()
        .iter()
        .filter(|r| r.field("ContentSid") == Some(CONTENT_SID))
        .filter_map(|r| {
            r.field("To")
                .map(|t| t.trim_start_matches("whatsapp:").to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_whose_instance_is_killed_is_finished_by_another_and_nobody_gets_it_twice() {
    let db = TempDatabase::create("campanile_campaign_kill").await;
    let url = db.url();
    let twilio = Arc::new(FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
    let meta = Arc::new(FakeMeta::start(ACCESS_TOKEN).await);
    let mut child = ChildInstance::spawn(
        CHILD_TEST,
        &[(CHILD_DATABASE, &url), (CHILD_TWILIO, &twilio.base_url())],
        READY,
    );

    // An operator's instance (no workers) writes and starts the campaign.
    let operator = spawn_bot_sharing(twilio.clone(), meta.clone(), {
        let (url, base) = (url.clone(), twilio.base_url());
        move |s| {
            tweak(s, &url, &base);
            s.workers.run = false;
        }
    })
    .await;
    let numbers: Vec<_> = (0..RECIPIENTS)
        .map(|i| CustomerPhone::parse(&format!("+91960{i:07}")).unwrap())
        .collect();
    let id = operator
        .services
        .campaigns
        .create(CreateCampaign {
            name: "Kill test".to_owned(),
            audience: Audience {
                numbers,
                ..Audience::default()
            },
            message: CampaignMessage {
                template: Some(TemplateMessage {
                    name: "offer".to_owned(),
                    language: "en".to_owned(),
                    content_sid: Some(CONTENT_SID.to_owned()),
                    variables: vec![Variable::Name],
                }),
                text: None,
            },
        })
        .await
        .unwrap();
    send_campaign::step(&operator.services.job_deps(), id, Step::Start)
        .await
        .unwrap();

    // The child sends a part of it; then SIGKILL.
    let started = Instant::now();
    while campaign_messages(&twilio).len() < RECIPIENTS / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child never sent a quarter"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = child.kill();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&killed),
        Some(9)
    );
    let at_kill = campaign_messages(&twilio).len();
    assert!(at_kill < RECIPIENTS, "killed mid-campaign ({at_kill} sent)");

    // Another instance (with workers) finishes it.
    let rescuer = spawn_bot_sharing(twilio.clone(), meta.clone(), {
        let (url, base) = (url.clone(), twilio.base_url());
        move |s| tweak(s, &url, &base)
    })
    .await;
    let started = Instant::now();
    let report = loop {
        let r = rescuer.services.campaigns.report(id).await.unwrap();
        if r.campaign.state == CampaignState::Completed && r.delivery.queued == 0 {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not finished after the kill: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let sent = campaign_messages(&twilio);
    let distinct: std::collections::HashSet<_> = sent.iter().collect();
    assert_eq!(distinct.len(), sent.len(), "nobody got the campaign twice");
    assert_eq!(
        report.recipients.sent, RECIPIENTS as u64,
        "every recipient's turn came"
    );
    // What the kill costs is the sends claimed at that moment (the outbox
    // holds less than two batches of the campaign): each ends `unknown`,
    // never sent again, and reached the customer only if its request had
    // left.
    let d = &report.delivery;
    assert!(
        d.unknown < 40,
        "at most what the outbox held is unknown: {d:?}"
    );
    assert!(
        (d.sent..=d.sent + d.unknown).contains(&(sent.len() as u64)),
        "every recipient recorded sent was messaged once, an unknown one at most once: {} messaged, {d:?}",
        sent.len()
    );
    assert_eq!(
        d.sent + d.unknown,
        RECIPIENTS as u64,
        "and nobody else is missing: {d:?}"
    );
    println!(
        "campaign kill: {at_kill} sent before the kill, {} after; {} unknown, of which {} reached the fake",
        sent.len() - at_kill,
        d.unknown,
        sent.len() as u64 - d.sent
    );
    rescuer.stop().await;
    operator.stop().await;
    db.drop().await;
}
