//! A campaign's cost and its opt-outs, end to end over Meta: the status
//! updates' `pricing` objects (kept once per message, whatever order and
//! however often they come) are booked on delivery from the rate card, by
//! category and calling code; free and unpriced messages are counted apart;
//! a recipient who answers STOP counts as opted out during the campaign.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bot::jobs::send_campaign;
use features::campaigns::{
    Audience, CampaignId, CampaignMessage, CampaignReport, CampaignState, CreateCampaign, RateCard,
    Step, TemplateMessage, Variable,
};
use features::shared::CustomerPhone;
use framework::testing::meta::{MetaMessage, MetaStatus, MetaWebhook};
use http::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{Bot, PHONE_NUMBER_ID, spawn_bot_with};

/// Customers whose window closed a day ago: the template, charged as
/// marketing. Two are in the UK.
const CLOSED: [&str; 8] = [
    "919800000001",
    "919800000002",
    "919800000003",
    "919800000004",
    "919800000005",
    "919800000006",
    "447700900001",
    "447700900002",
];
/// Customers who wrote just now: the text, a free service message.
const OPEN: [&str; 3] = ["919800000011", "919800000012", "919800000013"];

fn hook() -> MetaWebhook {
    MetaWebhook::new(PHONE_NUMBER_ID, "15550783881")
}

async fn says(bot: &Bot, wa_id: &str, text: &str) {
    let (status, _) = bot
        .meta(&hook().message(MetaMessage::text(wa_id, text)))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn status(bot: &Bot, status: MetaStatus) {
    assert_eq!(bot.meta(&hook().status(status)).await.0, StatusCode::OK);
}

async fn report_when(
    bot: &Bot,
    id: CampaignId,
    done: impl Fn(&CampaignReport) -> bool,
) -> CampaignReport {
    let start = Instant::now();
    loop {
        let r = bot.services.campaigns.report(id).await.unwrap();
        if done(&r) {
            return r;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{r:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pricing_reports_are_booked_once_on_delivery_by_category_and_country() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.outbound.meta_mps = 0;
        s.campaigns.rate_card =
            RateCard::parse("USD: marketing=0.0473, marketing@91=0.0107").unwrap();
    })
    .await;
    for wa_id in CLOSED {
        says(&bot, wa_id, "hi").await;
    }
    // Their window closes: everything they said moves a day back.
    let conn = bot.services.db.connection();
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "UPDATE messages SET created_at_ms = created_at_ms - 90000000".to_owned(),
    ))
    .await
    .unwrap();
    for wa_id in OPEN {
        says(&bot, wa_id, "hi").await;
    }
    let numbers: Vec<CustomerPhone> = CLOSED
        .iter()
        .chain(&OPEN)
        .map(|n| CustomerPhone::parse(&format!("+{n}")).unwrap())
        .collect();
    let id = bot
        .services
        .campaigns
        .create(CreateCampaign {
            name: "Holi".to_owned(),
            audience: Audience {
                numbers,
                ..Audience::default()
            },
            message: CampaignMessage {
                text: Some("Holi offer for {{name}}".to_owned()),
                template: Some(TemplateMessage {
                    name: "holi_offer".to_owned(),
                    language: "en".to_owned(),
                    content_sid: None,
                    variables: vec![Variable::Name],
                }),
            },
        })
        .await
        .unwrap();
    send_campaign::step(&bot.services.job_deps(), id, Step::Start)
        .await
        .unwrap();
    report_when(&bot, id, |r| {
        r.campaign.state == CampaignState::Completed && r.delivery.queued == 0
    })
    .await;

    // The campaign's message to each recipient, by wa_id.
    let sent: HashMap<String, String> = bot
        .meta
        .accepted()
        .into_iter()
        .filter_map(|r| {
            let json = r.json.as_ref()?;
            let campaign = json.pointer("/template/name").and_then(|n| n.as_str())
                == Some("holi_offer")
                || r.text().is_some_and(|t| t.starts_with("Holi offer"));
            let to = json.get("to")?.as_str()?.trim_start_matches('+').to_owned();
            campaign.then(|| (to, r.provider_message_id().unwrap().to_owned()))
        })
        .collect();
    assert_eq!(sent.len(), CLOSED.len() + OPEN.len(), "{sent:?}");
    for wa_id in CLOSED {
        let json = bot
            .meta
            .accepted()
            .into_iter()
            .find(|r| r.provider_message_id() == Some(&sent[wa_id]))
            .and_then(|r| r.json)
            .unwrap();
        assert_eq!(json["type"], "template", "outside the window: {json}");
    }

    // The statuses, each with its pricing: sent then delivered; read
    // before delivered; delivered twice; only sent (not delivered, not
    // booked). India at 0.0107, the UK at the default 0.0473.
    let wamid = |wa_id: &str| sent[wa_id].clone();
    let marketing = |wa_id: &str, s: &str| {
        MetaStatus::new(&wamid(wa_id), s)
            .with_recipient(wa_id)
            .with_pricing("marketing", "regular")
    };
    for (i, wa_id) in CLOSED.iter().enumerate() {
        match i % 4 {
            0 => {
                status(&bot, marketing(wa_id, "sent")).await;
                status(&bot, marketing(wa_id, "delivered")).await;
            }
            1 => {
                status(&bot, marketing(wa_id, "read")).await;
                status(&bot, marketing(wa_id, "sent")).await;
            }
            2 => {
                status(&bot, marketing(wa_id, "delivered")).await;
                status(&bot, marketing(wa_id, "delivered")).await;
            }
            _ => status(&bot, marketing(wa_id, "sent")).await,
        }
    }
    // Inside the window: free. Its `billable: true` is deprecated; the
    // type decides.
    for wa_id in OPEN {
        for s in ["sent", "delivered"] {
            status(
                &bot,
                MetaStatus::new(&wamid(wa_id), s)
                    .with_recipient(wa_id)
                    .with_pricing("service", "free_customer_service"),
            )
            .await;
        }
    }
    // One recipient answers STOP.
    says(&bot, OPEN[0], "STOP").await;

    let r = report_when(&bot, id, |r| r.delivery.opted_out == 1).await;
    // Delivered and charged: CLOSED[0..3] and [4..7]: India 0,1,2,4,5 (5 ×
    // 0.0107) and the UK's 6 (0.0473); 3 and 7 were only sent.
    let cost = r.cost.as_ref().unwrap();
    assert_eq!(cost.currency, "USD");
    let m = &cost.by_category["marketing"];
    assert_eq!((m.charged, m.free, m.unpriced), (6, 0, 0), "{cost:?}");
    assert_eq!(m.amount, dec("0.1008"), "{cost:?}");
    let s = &cost.by_category["service"];
    assert_eq!((s.charged, s.free, s.amount), (0, 3, Decimal::ZERO));
    assert_eq!(cost.total, dec("0.1008"));
    assert_eq!(cost.unpriced, 0);
    assert_eq!(r.delivery.delivered, 9, "{:?}", r.delivery);
    assert_eq!(r.delivery.opted_out, 1, "{:?}", r.delivery);

    // The same through the operator's view: a second report of a priced
    // message changes nothing.
    status(&bot, marketing(CLOSED[0], "read")).await;
    let again = bot.services.campaigns.report(id).await.unwrap();
    assert_eq!(again.cost, r.cost);
    bot.stop().await;
}
