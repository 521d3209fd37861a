//! The [`CampaignRepository`] contract.

use crate::campaigns::{
    Audience, BoughtWithin, Campaign, CampaignId, CampaignMessage, CampaignRepository,
    CampaignState, Recipient, RecipientState, TemplateMessage, Variable,
};
use crate::shared::CustomerPhone;

fn phone(n: u32) -> CustomerPhone {
    CustomerPhone::parse(&format!("+9198{n:08}")).unwrap()
}

fn campaign() -> Campaign {
    Campaign::draft(
        "Diwali offer",
        Audience {
            tags: vec!["contractor".to_owned()],
            bought: Some(BoughtWithin {
                product: "cement".to_owned(),
                days: 90,
            }),
            numbers: vec![phone(1)],
        },
        CampaignMessage {
            text: Some("Hi {{name}}".to_owned()),
            template: Some(TemplateMessage {
                name: "diwali_offer".to_owned(),
                language: "hi".to_owned(),
                content_sid: Some("HX00000000000000000000000000000001".to_owned()),
                variables: vec![
                    Variable::Name,
                    Variable::LastOrder,
                    Variable::Text("20%".to_owned()),
                ],
            }),
        },
        1_795_329_000_000,
    )
}

/// Runs the contract against `repo`, which must be FRESH and EMPTY.
///
/// # Panics
///
/// When `repo` breaks a rule of [`CampaignRepository`]; the message names
/// the rule.
pub async fn campaign_repository<R>(repo: R)
where
    R: CampaignRepository,
{
    // A campaign reads back as it was stored.
    let stored = campaign();
    let id = repo.add(&stored).await.unwrap();
    assert_eq!(
        repo.get(id).await.unwrap(),
        Some(stored.clone()),
        "a campaign reads back as stored"
    );
    assert_eq!(
        repo.get(CampaignId::new(id.get() + 1000)).await.unwrap(),
        None
    );

    // Saving is conditional on the stored state.
    let mut running = stored.clone();
    running.start(1_795_329_060_000).unwrap();
    assert!(
        !repo
            .save(id, &running, CampaignState::Paused)
            .await
            .unwrap(),
        "a save from a state the campaign is not in does not store"
    );
    assert_eq!(
        repo.get(id).await.unwrap().unwrap().state,
        CampaignState::Draft
    );
    assert!(repo.save(id, &running, CampaignState::Draft).await.unwrap());
    assert_eq!(repo.get(id).await.unwrap(), Some(running.clone()));
    assert!(
        !repo.save(id, &running, CampaignState::Draft).await.unwrap(),
        "the same step twice stores once"
    );

    assert!(
        repo.hold_running(id).await.unwrap(),
        "a running campaign is held"
    );
    let mut paused = running.clone();
    paused.pause().unwrap();
    assert!(
        repo.save(id, &paused, CampaignState::Running)
            .await
            .unwrap()
    );
    assert!(!repo.hold_running(id).await.unwrap(), "a paused one is not");
    assert!(
        repo.save(id, &running, CampaignState::Paused)
            .await
            .unwrap()
    );
    assert!(
        !repo
            .hold_running(CampaignId::new(id.get() + 1000))
            .await
            .unwrap()
    );

    // Listing: newest first, paged.
    let second = repo.add(&campaign()).await.unwrap();
    let mut scheduled = campaign();
    scheduled.schedule(1_795_329_500_000).unwrap();
    let third = repo.add(&scheduled).await.unwrap();
    let page: Vec<_> = repo
        .list(None, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(page, [third, second], "newest first");
    let next: Vec<_> = repo
        .list(Some(second), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(next, [id], "after the page's last");
    assert!(repo.due(1_795_329_499_999).await.unwrap().is_empty());
    assert_eq!(
        repo.due(1_795_329_500_000).await.unwrap(),
        [third],
        "due at its time"
    );

    // Freezing: each number once, for good.
    let people: Vec<_> = (0..7)
        .map(|n| Recipient {
            phone: phone(n),
            name: (n % 2 == 0).then(|| format!("Customer {n}")),
            last_order: (n == 3).then(|| "ORD-00042".to_owned()),
        })
        .collect();
    assert_eq!(repo.freeze(id, &people).await.unwrap(), 7);
    assert_eq!(
        repo.freeze(id, &people[..3]).await.unwrap(),
        0,
        "a number frozen before is not frozen again"
    );
    assert_eq!(
        repo.freeze(second, &people[..2]).await.unwrap(),
        2,
        "per campaign"
    );
    let pending = repo.pending(id, 100).await.unwrap();
    assert_eq!(pending, people, "pending in number order, as frozen");

    // Marking: out of pending once.
    assert!(
        repo.mark(id, &phone(0), RecipientState::Sent, 5)
            .await
            .unwrap()
    );
    assert!(
        !repo
            .mark(id, &phone(0), RecipientState::OptedOut, 6)
            .await
            .unwrap(),
        "a recipient leaves pending once"
    );
    assert!(
        repo.mark(id, &phone(1), RecipientState::OptedOut, 7)
            .await
            .unwrap()
    );
    assert!(
        !repo
            .mark(id, &phone(99), RecipientState::Sent, 7)
            .await
            .unwrap()
    );
    assert_eq!(
        repo.pending(id, 2).await.unwrap(),
        people[2..4],
        "the pending ones, limited"
    );
    freeze_again_keeps_state(&repo, id, &people).await;

    let counts = repo.counts(id).await.unwrap();
    assert_eq!(
        (
            counts.total,
            counts.pending,
            counts.sent,
            counts.opted_out,
            counts.unreachable
        ),
        (7, 5, 1, 1, 0)
    );
    let sent = repo
        .recipients(id, Some(RecipientState::Sent), None, 10)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].recipient.phone.clone(), sent[0].at_ms),
        (phone(0), Some(5))
    );
    let page = repo
        .recipients(id, None, Some(&phone(4)), 10)
        .await
        .unwrap();
    assert_eq!(
        page.iter()
            .map(|r| r.recipient.phone.clone())
            .collect::<Vec<_>>(),
        [phone(5), phone(6)],
        "paged by number"
    );
}

async fn freeze_again_keeps_state<R: CampaignRepository>(
    repo: &R,
    id: CampaignId,
    people: &[Recipient],
) {
    repo.freeze(id, people).await.unwrap();
    let sent = repo
        .recipients(id, Some(RecipientState::Sent), None, 10)
        .await
        .unwrap();
    assert_eq!(
        sent.len(),
        1,
        "freezing again does not reset a recipient's state"
    );
}
