//! The campaign service over in-memory ports.

use super::*;
use crate::shared::{CustomerPhone, Now};
use crate::testing::{FixedAudience, InMemCampaigns, NoReports, OptOutList};

type Service = CampaignService<InMemCampaigns, FixedAudience, OptOutList, NoReports>;

fn phone(n: u32) -> CustomerPhone {
    CustomerPhone::parse(&format!("+9198{n:08}")).unwrap()
}

fn customers(n: u32) -> Vec<Recipient> {
    (0..n).map(|i| Recipient::number(phone(i))).collect()
}

struct World {
    service: Service,
    campaigns: InMemCampaigns,
    audience: FixedAudience,
    consent: OptOutList,
}

fn world(n: u32) -> World {
    let audience = FixedAudience::new(customers(n));
    let consent = OptOutList::default();
    let campaigns = InMemCampaigns::default();
    World {
        service: CampaignService::new(
            campaigns.clone(),
            audience.clone(),
            consent.clone(),
            NoReports,
            Now::fixed(1_795_329_000_000),
        ),
        campaigns,
        audience,
        consent,
    }
}

fn offer() -> CreateCampaign {
    CreateCampaign {
        name: "Diwali offer".to_owned(),
        audience: Audience {
            tags: vec!["contractor".to_owned()],
            ..Audience::default()
        },
        message: CampaignMessage {
            text: Some("Hi {{name}}: 10% off cement".to_owned()),
            template: Some(TemplateMessage {
                name: "diwali_offer".to_owned(),
                language: "en".to_owned(),
                content_sid: None,
                variables: vec![Variable::Name],
            }),
        },
    }
}

/// Runs batches of `size` until the service says stop, marking everyone
/// it hands out as sent; returns the numbers, in order.
async fn send_all(service: &Service, id: CampaignId, size: u32) -> (Vec<CustomerPhone>, Batch) {
    let mut sent = Vec::new();
    loop {
        match service
            .next_batch(NextBatch { id, limit: size })
            .await
            .unwrap()
        {
            Batch::Send { recipients, .. } => {
                for r in service.consenting(id, recipients).await.unwrap() {
                    assert!(
                        service
                            .mark(MarkRecipient {
                                id,
                                phone: r.phone.clone(),
                                state: RecipientState::Sent,
                            })
                            .await
                            .unwrap()
                    );
                    sent.push(r.phone);
                }
            }
            other => return (sent, other),
        }
    }
}

#[tokio::test]
async fn a_started_campaign_reaches_its_frozen_audience_once_and_completes() {
    let w = world(25);
    let id = w.service.create(offer()).await.unwrap();
    w.service.step(id, Step::Start).await.unwrap();
    // Matches after the start are not reached: the audience is frozen.
    w.audience.add(Recipient::number(phone(999)));

    let (sent, end) = send_all(&w.service, id, 10).await;

    assert_eq!(end, Batch::Done);
    assert_eq!(sent.len(), 25);
    let unique: std::collections::HashSet<_> = sent.iter().collect();
    assert_eq!(unique.len(), 25, "nobody twice");
    let report = w.service.report(id).await.unwrap();
    assert_eq!(report.campaign.state, CampaignState::Completed);
    assert_eq!((report.recipients.total, report.recipients.sent), (25, 25));
}

#[tokio::test]
async fn a_cancel_takes_back_what_was_not_sent_and_a_pause_does_not() {
    let w = world(3);
    let id = w.service.create(offer()).await.unwrap();
    w.service.step(id, Step::Start).await.unwrap();
    w.service.step(id, Step::Pause).await.unwrap();
    assert!(
        !w.campaigns.withdrew(id),
        "a paused campaign's backlog still goes"
    );
    w.service.step(id, Step::Cancel).await.unwrap();
    assert!(w.campaigns.withdrew(id));
    assert_eq!(
        w.service
            .next_batch(NextBatch { id, limit: 10 })
            .await
            .unwrap(),
        Batch::Stopped(CampaignState::Cancelled)
    );
}

#[tokio::test]
async fn pause_stops_the_batches_and_resume_sends_only_the_rest() {
    let w = world(30);
    let id = w.service.create(offer()).await.unwrap();
    w.service.step(id, Step::Start).await.unwrap();
    let Batch::Send { recipients, .. } = w
        .service
        .next_batch(NextBatch { id, limit: 10 })
        .await
        .unwrap()
    else {
        panic!("a running campaign hands out a batch");
    };
    for r in &recipients {
        w.service
            .mark(MarkRecipient {
                id,
                phone: r.phone.clone(),
                state: RecipientState::Sent,
            })
            .await
            .unwrap();
    }

    w.service.step(id, Step::Pause).await.unwrap();
    assert_eq!(
        w.service
            .next_batch(NextBatch { id, limit: 10 })
            .await
            .unwrap(),
        Batch::Stopped(CampaignState::Paused)
    );
    w.service.step(id, Step::Resume).await.unwrap();
    let (rest, end) = send_all(&w.service, id, 7).await;

    assert_eq!(end, Batch::Done);
    assert_eq!(rest.len(), 20);
    assert!(recipients.iter().all(|r| !rest.contains(&r.phone)));
    // A recipient marked again does not move: sent once.
    assert!(
        !w.service
            .mark(MarkRecipient {
                id,
                phone: rest[0].clone(),
                state: RecipientState::Sent,
            })
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_customer_who_opts_out_meanwhile_is_skipped_when_their_turn_comes() {
    let w = world(5);
    let id = w.service.create(offer()).await.unwrap();
    w.service.step(id, Step::Start).await.unwrap();
    w.consent.opt_out(&phone(3));

    let (sent, _) = send_all(&w.service, id, 2).await;

    assert_eq!(sent.len(), 4);
    assert!(!sent.contains(&phone(3)));
    let skipped = w
        .service
        .recipients(ListRecipients {
            id,
            state: Some(RecipientState::OptedOut),
            after: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].recipient.phone, phone(3));
}

#[tokio::test]
async fn no_start_with_an_audience_that_matches_nobody_and_nothing_changes() {
    let w = world(0);
    let id = w.service.create(offer()).await.unwrap();
    let err = w.service.step(id, Step::Start).await.unwrap_err();
    assert!(matches!(err, CampaignError::EmptyAudience), "{err:?}");
    assert!(err.is_user_error());
    let report = w.service.report(id).await.unwrap();
    assert_eq!(report.campaign.state, CampaignState::Draft);
    assert_eq!(report.recipients.total, 0);
}

#[tokio::test]
async fn listed_numbers_alone_are_an_audience() {
    let w = world(10);
    let mut only_numbers = offer();
    only_numbers.audience = Audience {
        numbers: vec![phone(1), phone(500)],
        ..Audience::default()
    };
    let id = w.service.create(only_numbers).await.unwrap();
    w.service.step(id, Step::Start).await.unwrap();
    let (sent, _) = send_all(&w.service, id, 10).await;
    assert_eq!(sent, [phone(1), phone(500)]);
}

#[tokio::test]
async fn a_scheduled_campaign_starts_when_due_and_edits_stop_at_the_draft() {
    let w = world(3);
    let id = w.service.create(offer()).await.unwrap();
    w.service
        .edit(EditCampaign {
            id,
            name: Some("Holi offer".to_owned()),
            audience: None,
            message: None,
        })
        .await
        .unwrap();
    // The service's clock is fixed at 1_795_329_000_000.
    w.service
        .step(id, Step::Schedule(1_795_329_000_000 + 60_000))
        .await
        .unwrap();
    assert!(w.service.start_due().await.unwrap().0.is_empty(), "not yet");
    let err = w
        .service
        .edit(EditCampaign {
            id,
            name: Some("x".to_owned()),
            audience: None,
            message: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        CampaignError::Lifecycle(LifecycleError::NotEditable(_))
    ));

    let due = world(3);
    let id = due.service.create(offer()).await.unwrap();
    due.service
        .step(id, Step::Schedule(1_795_329_000_000))
        .await
        .unwrap();
    assert_eq!(due.service.start_due().await.unwrap().0, [id]);
    assert_eq!(
        due.service.report(id).await.unwrap().campaign.state,
        CampaignState::Running
    );
}

#[tokio::test]
async fn the_preview_renders_for_one_recipient_by_window() {
    let w = world(0);
    w.audience.add(Recipient {
        phone: phone(7),
        name: Some("Asha".to_owned()),
        last_order: None,
    });
    let id = w.service.create(offer()).await.unwrap();
    let open = w
        .service
        .preview(PreviewCampaign {
            id,
            phone: phone(7),
            window_open: true,
        })
        .await
        .unwrap();
    assert_eq!(
        open,
        Personalised::Text("Hi Asha: 10% off cement".to_owned())
    );
    let closed = w
        .service
        .preview(PreviewCampaign {
            id,
            phone: phone(7),
            window_open: false,
        })
        .await
        .unwrap();
    assert_eq!(closed.summary(), "diwali_offer(Asha)");
}

#[tokio::test]
async fn bad_names_and_unknown_campaigns_are_refused() {
    let w = world(1);
    let mut bad = offer();
    bad.name = "   ".to_owned();
    assert!(matches!(
        w.service.create(bad).await.unwrap_err(),
        CampaignError::BadName
    ));
    assert!(matches!(
        w.service
            .step(CampaignId::new(42), Step::Start)
            .await
            .unwrap_err(),
        CampaignError::NotFound(_)
    ));
}

#[tokio::test]
async fn the_in_memory_repository_keeps_the_contract() {
    crate::testing::contract::campaign_repository(InMemCampaigns::default()).await;
}
