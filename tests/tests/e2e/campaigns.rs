//! Campaigns end to end: the bot's `send-campaign` job sends through the
//! outbox to a fake Twilio, each recipient at most once; the status
//! callbacks posted back (out of order, twice, failed with codes) make
//! exact metrics; pause and resume send nobody twice; the messaging limit
//! holds a campaign until the 24-hour window rolls; a cancel takes back
//! what was not sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bot::jobs::send_campaign;
use features::campaigns::{
    Audience, CampaignId, CampaignMessage, CampaignReport, CampaignState, CreateCampaign, Step,
    TemplateMessage, Variable,
};
use features::shared::CustomerPhone;
use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_providers::testing::RecordedRequest;
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{BUSINESS, Bot, spawn_bot_with};

const CONTENT_SID: &str = "HX00000000000000000000000000offer";

fn number(i: usize) -> String {
    format!("+91970{i:07}")
}

fn numbers(n: usize) -> Vec<CustomerPhone> {
    (0..n)
        .map(|i| CustomerPhone::parse(&number(i)).unwrap())
        .collect()
}

/// A bot that reaches numbers that never wrote through its Twilio sender,
/// unshaped (the fake is local), with no quiet hours.
async fn campaign_bot(batch: u32, limit: &str) -> Bot {
    let limit = features::campaigns::MessagingLimits::parse(limit).unwrap();
    spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.twilio.whatsapp_from = Some(framework::PhoneNumber::parse(BUSINESS).unwrap());
        s.outbound.twilio_mps = 0;
        s.campaigns.batch = batch;
        s.campaigns.messaging_limit = limit;
    })
    .await
}

fn offer(numbers: Vec<CustomerPhone>) -> CreateCampaign {
    CreateCampaign {
        name: "Diwali offer".to_owned(),
        audience: Audience {
            numbers,
            ..Audience::default()
        },
        message: CampaignMessage {
            text: Some("Diwali offer for {{name}}".to_owned()),
            template: Some(TemplateMessage {
                name: "diwali_offer".to_owned(),
                language: "en".to_owned(),
                content_sid: Some(CONTENT_SID.to_owned()),
                variables: vec![Variable::Name],
            }),
        },
    }
}

async fn start(bot: &Bot, create: CreateCampaign) -> CampaignId {
    let id = bot.services.campaigns.create(create).await.unwrap();
    send_campaign::step(&bot.services.job_deps(), id, Step::Start)
        .await
        .unwrap();
    id
}

async fn report(bot: &Bot, id: CampaignId) -> CampaignReport {
    bot.services.campaigns.report(id).await.unwrap()
}

/// Waits (at most `patience`) until `done` holds for campaign `id`'s report.
async fn until(
    bot: &Bot,
    id: CampaignId,
    patience: Duration,
    done: impl Fn(&CampaignReport) -> bool,
) -> CampaignReport {
    let start = Instant::now();
    loop {
        let r = report(bot, id).await;
        if done(&r) {
            return r;
        }
        assert!(
            start.elapsed() < patience,
            "campaign {id} not there after {patience:?}: {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The campaign's messages the fake Twilio accepted, by recipient.
fn sent_by_recipient(bot: &Bot) -> HashMap<String, Vec<RecordedRequest>> {
    let mut by = HashMap::<String, Vec<RecordedRequest>>::new();
    for r in bot.twilio.accepted() {
        let campaign = r.field("ContentSid") == Some(CONTENT_SID)
            || r.field("Body")
                .is_some_and(|b| b.starts_with("Diwali offer"));
        if campaign && let Some(to) = r.field("To") {
            let to = to.trim_start_matches("whatsapp:").to_owned();
            by.entry(to).or_default().push(r);
        }
    }
    by
}

async fn post_status(bot: &Bot, sid: &str, status: &str, code: Option<&str>) {
    let hook = TwilioWebhook::status(sid, status, code);
    assert_eq!(bot.twilio(&hook).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_to_2000_reaches_each_once_and_its_metrics_follow_the_callbacks_exactly() {
    let bot = campaign_bot(200, "5000").await;
    let all = numbers(2000);
    // Two recipients stopped marketing before it starts.
    let opt_outs = infra_sql::consent::MarketingOptOuts::new(bot.services.db.clone());
    for skipped in [&all[10], &all[1500]] {
        opt_outs.opt_out(skipped.as_str(), "test").await.unwrap();
    }
    let id = start(&bot, offer(all.clone())).await;

    let done = until(&bot, id, Duration::from_secs(120), |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;

    assert_eq!(
        (
            done.recipients.total,
            done.recipients.sent,
            done.recipients.opted_out
        ),
        (2000, 1998, 2)
    );
    let sent = sent_by_recipient(&bot);
    assert_eq!(sent.len(), 1998, "every consenting recipient");
    assert!(sent.values().all(|s| s.len() == 1), "nobody twice");
    assert!(!sent.contains_key(all[10].as_str()) && !sent.contains_key(all[1500].as_str()));
    // They never wrote: the template, personalised.
    let any = &sent[all[0].as_str()][0];
    assert_eq!(any.field("ContentSid"), Some(CONTENT_SID));
    assert_eq!(done.delivery.sent, 1998);

    // The callbacks: read before delivered, delivered twice, failed with a
    // code, or only sent; in that mix.
    let mut expected_failed = 0;
    let mut expected_delivered = 0;
    let mut expected_read = 0;
    let mut order: Vec<_> = sent.keys().cloned().collect();
    order.sort();
    for (i, to) in order.iter().enumerate() {
        let sid = sent[to][0].provider_message_id().unwrap().to_owned();
        match i % 4 {
            0 => {
                post_status(&bot, &sid, "read", None).await;
                post_status(&bot, &sid, "delivered", None).await;
                expected_delivered += 1;
                expected_read += 1;
            }
            1 => {
                post_status(&bot, &sid, "delivered", None).await;
                post_status(&bot, &sid, "delivered", None).await;
                expected_delivered += 1;
            }
            2 => {
                post_status(&bot, &sid, "failed", Some("30008")).await;
                expected_failed += 1;
            }
            _ => post_status(&bot, &sid, "sent", None).await,
        }
    }
    // Two recipients write back within the day.
    for to in [&order[0], &order[3]] {
        bot.twilio(&TwilioWebhook::text(to, BUSINESS, "interested!"))
            .await;
    }

    let after = until(&bot, id, Duration::from_secs(30), |r| {
        r.delivery.replied == 2
    })
    .await;
    let d = &after.delivery;
    assert_eq!(
        (d.sent, d.delivered, d.read),
        (1998, expected_delivered, expected_read)
    );
    assert_eq!(d.failed.get("30008"), Some(&expected_failed));
    assert_eq!(d.failed.len(), 1, "{:?}", d.failed);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_send_nobody_twice_and_an_opt_out_meanwhile_is_honoured() {
    let bot = campaign_bot(5, "5000").await;
    let all = numbers(40);
    let id = start(&bot, offer(all.clone())).await;
    until(&bot, id, Duration::from_secs(30), |r| {
        r.recipients.sent >= 5
    })
    .await;
    send_campaign::step(&bot.services.job_deps(), id, Step::Pause)
        .await
        .unwrap();
    // What was handed to the outbox before the pause goes; nothing after.
    let paused = until(&bot, id, Duration::from_secs(30), |r| {
        r.delivery.queued == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let still = report(&bot, id).await;
    assert_eq!(
        still.recipients.sent, paused.recipients.sent,
        "paused: no more sends"
    );
    assert!(still.recipients.pending > 0, "{still:?}");
    assert_eq!(sent_by_recipient(&bot).len() as u64, still.recipients.sent);

    // A pending recipient stops marketing while it is paused.
    let pending = bot
        .services
        .campaigns
        .recipients(features::campaigns::ListRecipients {
            id,
            state: Some(features::campaigns::RecipientState::Pending),
            after: None,
            limit: 1,
        })
        .await
        .unwrap();
    let stopper = pending[0].recipient.phone.clone();
    infra_sql::consent::MarketingOptOuts::new(bot.services.db.clone())
        .opt_out(stopper.as_str(), "test")
        .await
        .unwrap();
    send_campaign::step(&bot.services.job_deps(), id, Step::Resume)
        .await
        .unwrap();
    let done = until(&bot, id, Duration::from_secs(60), |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;

    let sent = sent_by_recipient(&bot);
    assert_eq!(sent.len(), 39);
    assert!(sent.values().all(|s| s.len() == 1), "nobody twice");
    assert!(!sent.contains_key(stopper.as_str()));
    assert_eq!((done.recipients.sent, done.recipients.opted_out), (39, 1));
    // A completed campaign is never resumed.
    assert!(
        send_campaign::step(&bot.services.job_deps(), id, Step::Resume)
            .await
            .is_err()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_messaging_limit_holds_a_campaign_until_the_window_rolls() {
    let bot = campaign_bot(100, "250").await;
    let id = start(&bot, offer(numbers(600))).await;

    let held = until(&bot, id, Duration::from_secs(60), |r| {
        r.recipients.sent == 250 && r.delivery.queued == 0
    })
    .await;
    // It waits for the window instead of being refused by the provider.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let still = report(&bot, id).await;
    assert_eq!(still.recipients.sent, 250, "{still:?}");
    assert_eq!(still.campaign.state, CampaignState::Running);
    assert_eq!(held.recipients.pending, 350);
    assert_eq!(sent_by_recipient(&bot).len(), 250);

    // A day passes for the sends so far (their times move back 25 hours);
    // the campaign's next run (here enqueued at once rather than waiting
    // for its scheduled one a day away) sends 250 more, then the rest.
    for round in 1..=2 {
        roll_the_window(&bot).await;
        send_campaign::enqueue(
            &bot.services.jobs,
            id,
            &format!("rolled:{round}"),
            Duration::ZERO,
        )
        .await
        .unwrap();
        let want = (250 * (round + 1)).min(600) as u64;
        until(&bot, id, Duration::from_secs(60), |r| {
            r.recipients.sent == want
        })
        .await;
    }
    let done = until(&bot, id, Duration::from_secs(30), |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;
    assert_eq!(done.recipients.sent, 600);
    let sent = sent_by_recipient(&bot);
    assert_eq!(sent.len(), 600);
    assert!(sent.values().all(|s| s.len() == 1), "nobody twice");
    bot.stop().await;
}

/// Moves every outbound message 25 hours into the past.
async fn roll_the_window(bot: &Bot) {
    let conn = bot.services.db.connection();
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "UPDATE messages SET created_at_ms = created_at_ms - 90000000 WHERE direction = 'out'"
            .to_owned(),
    ))
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capped_recipients_are_retried_a_day_later_without_holding_up_the_campaign() {
    let bot = campaign_bot(5, "5000").await;
    let id = start(&bot, offer(numbers(30))).await;
    until(&bot, id, Duration::from_secs(30), |r| r.delivery.sent >= 10).await;

    // WhatsApp caps six of the first recipients (more than a batch).
    let capped: Vec<String> = sent_by_recipient(&bot)
        .values()
        .take(6)
        .map(|s| s[0].provider_message_id().unwrap().to_owned())
        .collect();
    for sid in &capped {
        post_status(&bot, sid, "failed", Some("63049")).await;
    }

    // The campaign goes on and completes; their retries wait for their day.
    let done = until(&bot, id, Duration::from_secs(30), |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;
    assert_eq!(done.recipients.sent, 30);
    assert_eq!(done.delivery.deferred, 6, "{:?}", done.delivery);
    assert!(done.delivery.failed.is_empty(), "{:?}", done.delivery);
    let sent = sent_by_recipient(&bot);
    assert_eq!(sent.len(), 30);
    assert!(
        sent.values().all(|s| s.len() == 1),
        "not again before the day is out"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_campaign_takes_back_its_capped_retries_even_those_reported_after() {
    // A limit of 10: the campaign sends 10, then waits, running, for the
    // window to roll.
    let bot = campaign_bot(5, "10").await;
    let id = start(&bot, offer(numbers(20))).await;
    until(&bot, id, Duration::from_secs(30), |r| {
        r.recipients.sent == 10 && r.delivery.queued == 0
    })
    .await;
    let sent: Vec<String> = sent_by_recipient(&bot)
        .values()
        .map(|s| s[0].provider_message_id().unwrap().to_owned())
        .collect();
    for sid in &sent[..2] {
        post_status(&bot, sid, "failed", Some("63049")).await;
    }
    until(&bot, id, Duration::from_secs(10), |r| {
        r.delivery.deferred == 2
    })
    .await;

    send_campaign::step(&bot.services.job_deps(), id, Step::Cancel)
        .await
        .unwrap();
    let cancelled = report(&bot, id).await;
    assert_eq!(cancelled.campaign.state, CampaignState::Cancelled);
    assert_eq!(
        (cancelled.delivery.deferred, cancelled.delivery.withdrawn),
        (0, 2),
        "{:?}",
        cancelled.delivery
    );
    // A cap reported after the cancel stores no retry.
    post_status(&bot, &sent[2], "failed", Some("63049")).await;
    let after = report(&bot, id).await;
    assert_eq!(after.delivery.deferred, 0, "{:?}", after.delivery);
    assert_eq!(
        after.delivery.failed.get("63049"),
        Some(&1),
        "{:?}",
        after.delivery
    );

    // Their day comes: nothing goes.
    let conn = bot.services.db.connection();
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "UPDATE messages SET not_before_ms = 1 WHERE not_before_ms IS NOT NULL".to_owned(),
    ))
    .await
    .unwrap();
    // Two of the dispatcher's polls (every second).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let sent = sent_by_recipient(&bot);
    assert_eq!(sent.len(), 10);
    assert!(
        sent.values().all(|s| s.len() == 1),
        "no capped retry after the cancel"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_takes_back_the_campaign_message_waiting_for_that_customer() {
    // Five messages a second, two at a time: a batch of 20 waits in the
    // outbox for seconds, unclaimed but for the two in the dispatcher's hands.
    let bot = spawn_bot_with(|s| {
        s.pipeline.send_concurrency = 2;
        s.shop.quiet_hours = None;
        s.twilio.whatsapp_from = Some(framework::PhoneNumber::parse(BUSINESS).unwrap());
        s.outbound.twilio_mps = 5;
        s.campaigns.batch = 20;
        s.campaigns.messaging_limit = features::campaigns::MessagingLimits::parse("5000").unwrap();
    })
    .await;
    let id = start(&bot, offer(numbers(20))).await;
    until(&bot, id, Duration::from_secs(30), |r| {
        r.recipients.sent == 20
    })
    .await;
    // The last one handed over goes last: that customer writes STOP.
    let stopper = number(19);
    assert!(
        !sent_by_recipient(&bot).contains_key(&stopper),
        "still waiting"
    );
    let stop = TwilioWebhook::text(&stopper, BUSINESS, "STOP");
    assert_eq!(bot.twilio(&stop).await.0, StatusCode::OK);

    let done = until(&bot, id, Duration::from_secs(30), |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;
    let sent = sent_by_recipient(&bot);
    assert!(!sent.contains_key(&stopper), "not sent after the STOP");
    assert_eq!(sent.len(), 19);
    assert!(sent.values().all(|s| s.len() == 1));
    assert_eq!(done.delivery.opted_out, 1, "{:?}", done.delivery);
    assert!(done.delivery.failed.is_empty(), "{:?}", done.delivery);
    // They get the STOP's confirmation (a reply, not marketing): the
    // withdrawn message no longer holds their conversation.
    let confirmed = crate::support::wait_for(|| {
        let texts = bot.twilio.texts_to(&stopper);
        texts
            .iter()
            .any(|t| t.contains("Reply START"))
            .then_some(texts)
    })
    .await;
    assert!(confirmed.is_some(), "{:?}", bot.twilio.texts_to(&stopper));
    bot.stop().await;
}
