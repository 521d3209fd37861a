//! The [`CustomerRepository`] contract.

use crate::customers::{
    ConsentSource, CustomerPage, CustomerRepository, OptOut, OptOutScope, Page, Tag, TagMatch,
};

use super::phone;

fn tag(text: &str) -> Tag {
    Tag::parse(text).unwrap()
}

fn out(scope: OptOutScope, source: ConsentSource, at_ms: i64) -> OptOut {
    OptOut {
        scope,
        source,
        at_ms,
    }
}

/// Checks a FRESH, EMPTY [`CustomerRepository`]: opt-outs round-trip with
/// scope, source and time, one per customer; tags are a set per customer,
/// listed in order; the customers with tags come in phone order, one page
/// at a time, every tag or any.
///
/// # Panics
///
/// When the repository breaks a rule; the message names it.
pub async fn customer_repository<R>(repo: R)
where
    R: CustomerRepository,
{
    let ravi = phone("+919812345678");
    let asha = phone("+919800000001");
    let mona = phone("+14155550100");

    // Opt-outs: none, then each source round-trips, replaced in place.
    assert_eq!(
        repo.opt_out(&ravi).await.unwrap(),
        None,
        "no opt-out at first"
    );
    for opt_out in [
        out(
            OptOutScope::Marketing,
            ConsentSource::Provider {
                code: "131050".to_owned(),
            },
            1_000,
        ),
        out(
            OptOutScope::All,
            ConsentSource::Keyword("STOP".to_owned()),
            2_000,
        ),
        out(OptOutScope::Marketing, ConsentSource::Operator, 3_000),
    ] {
        repo.save_opt_out(&ravi, &opt_out).await.unwrap();
        assert_eq!(
            repo.opt_out(&ravi).await.unwrap().as_ref(),
            Some(&opt_out),
            "an opt-out reads back as saved (scope, source, time), replacing the one before"
        );
    }
    assert_eq!(
        repo.opt_out(&asha).await.unwrap(),
        None,
        "opt-outs are per customer"
    );
    assert!(
        repo.clear_opt_out(&ravi).await.unwrap(),
        "cleared: there was one"
    );
    assert!(
        !repo.clear_opt_out(&ravi).await.unwrap(),
        "cleared twice: none left"
    );
    assert_eq!(
        repo.opt_out(&ravi).await.unwrap(),
        None,
        "cleared means none"
    );

    // Tags: a set per customer.
    assert!(
        repo.tags(&ravi).await.unwrap().is_empty(),
        "no tags at first"
    );
    let added = repo
        .add_tags(&ravi, &[tag("wholesale"), tag("delhi")], 1_000)
        .await
        .unwrap();
    assert_eq!(added, 2, "add_tags counts the new tags");
    let again = repo
        .add_tags(&ravi, &[tag("delhi"), tag("vip")], 2_000)
        .await
        .unwrap();
    assert_eq!(again, 1, "a tag the customer has is not added again");
    assert_eq!(
        repo.tags(&ravi).await.unwrap(),
        [tag("delhi"), tag("vip"), tag("wholesale")],
        "tags listed in order"
    );
    let removed = repo
        .remove_tags(&ravi, &[tag("vip"), tag("nope")])
        .await
        .unwrap();
    assert_eq!(removed, 1, "remove_tags counts the tags the customer had");
    assert_eq!(
        repo.tags(&ravi).await.unwrap(),
        [tag("delhi"), tag("wholesale")]
    );

    repo.add_tags(&asha, &[tag("wholesale")], 3_000)
        .await
        .unwrap();
    repo.add_tags(&mona, &[tag("delhi"), tag("wholesale")], 3_000)
        .await
        .unwrap();
    assert_eq!(
        repo.tags(&asha).await.unwrap(),
        [tag("wholesale")],
        "tags are per customer"
    );

    // The customers with tags: phone order, paged, every tag or any.
    let all = |tags: Vec<Tag>, page: Page| {
        let repo = repo.clone();
        async move { repo.with_tags(&tags, TagMatch::All, &page).await.unwrap() }
    };
    assert_eq!(
        all(vec![tag("wholesale")], Page::first(10)).await,
        CustomerPage {
            customers: vec![mona.clone(), asha.clone(), ravi.clone()],
            next: None,
        },
        "one tag: its customers in phone order, no next page"
    );
    assert_eq!(
        all(vec![tag("wholesale"), tag("delhi")], Page::first(10))
            .await
            .customers,
        [mona.clone(), ravi.clone()],
        "every tag: only the customers with all of them"
    );
    assert_eq!(
        repo.with_tags(
            &[tag("delhi"), tag("nope")],
            TagMatch::Any,
            &Page::first(10)
        )
        .await
        .unwrap()
        .customers,
        [mona.clone(), ravi.clone()],
        "any tag: customers with at least one, each once"
    );
    assert!(
        all(vec![tag("nope")], Page::first(10))
            .await
            .customers
            .is_empty(),
        "an unused tag has no customers"
    );

    let first = all(vec![tag("wholesale")], Page::first(2)).await;
    assert_eq!(
        first.customers,
        [mona.clone(), asha.clone()],
        "a page holds `limit`"
    );
    let next = first.next.expect("more follow: a next page");
    assert_eq!(
        next.after.as_ref(),
        Some(&asha),
        "the next page starts after the last"
    );
    let second = all(vec![tag("wholesale")], next).await;
    assert_eq!(
        second,
        CustomerPage {
            customers: vec![ravi.clone()],
            next: None,
        },
        "the last page has no next"
    );
    let exact = all(vec![tag("wholesale")], Page::first(3)).await;
    assert_eq!(exact.customers.len(), 3);
    assert_eq!(exact.next, None, "a full last page has no next");
    assert_eq!(
        all(vec![tag("wholesale")], Page::first(0)).await.customers,
        std::slice::from_ref(&mona),
        "a limit of 0 is clamped to 1"
    );

    // Many at once: the same as one by one; nobody's tags or opt-out is
    // someone else's.
    let opted = OptOut {
        scope: OptOutScope::Marketing,
        source: ConsentSource::Operator,
        at_ms: 4_000,
    };
    repo.save_opt_out(&asha, &opted).await.unwrap();
    let nobody = phone("+447700900001");
    let everyone = [ravi.clone(), asha.clone(), mona.clone(), nobody.clone()];
    let tags = repo.tags_of(&everyone).await.unwrap();
    for customer in &everyone {
        assert_eq!(
            tags.get(customer).cloned().unwrap_or_default(),
            repo.tags(customer).await.unwrap(),
            "{customer:?}"
        );
    }
    assert!(!tags.contains_key(&nobody));
    let opt_outs = repo.opt_outs_of(&everyone).await.unwrap();
    assert_eq!(opt_outs.len(), 1, "{opt_outs:?}");
    assert_eq!(opt_outs.get(&asha), Some(&opted));
    assert!(repo.tags_of(&[]).await.unwrap().is_empty());
}

/// Checks a FRESH, EMPTY [`CustomerRepository`]'s customer details: nothing
/// known at first; the language is set and replaced; the offer of a choice
/// of language is first once; a registration round-trips (with and without
/// its optional parts) and leaves the language as it was.
///
/// # Panics
///
/// When the repository breaks a rule; the message names it.
pub async fn customer_details<R>(repo: R)
where
    R: CustomerRepository,
{
    use crate::customers::{CustomerDetails, Language, Registration};
    use crate::shared::Gstin;

    let ravi = phone("+919812345678");
    let asha = phone("+919800000001");
    assert_eq!(
        repo.details(&ravi).await.unwrap(),
        CustomerDetails::default(),
        "nothing known at first"
    );

    assert!(
        repo.offer_language(&ravi, 1_000).await.unwrap(),
        "first offer"
    );
    assert!(
        !repo.offer_language(&ravi, 2_000).await.unwrap(),
        "offered once only"
    );
    let hindi = Language::parse("hi").unwrap();
    repo.set_language(&ravi, &hindi, 3_000).await.unwrap();
    let details = repo.details(&ravi).await.unwrap();
    assert_eq!(details.language.as_ref(), Some(&hindi));
    assert_eq!(
        details.language_offered_at_ms,
        Some(1_000),
        "first offer kept"
    );
    assert_eq!(details.registration, None);
    // A language set before any offer: the offer is still a first one.
    let english = Language::parse("en-IN").unwrap();
    repo.set_language(&asha, &english, 3_000).await.unwrap();
    assert!(repo.offer_language(&asha, 4_000).await.unwrap());
    assert_eq!(
        repo.details(&asha).await.unwrap().language,
        Some(english),
        "the offer keeps the language"
    );

    let full = Registration::new(
        "Ravi Kumar",
        Some("Kumar Traders"),
        Some(Gstin::parse("27AAPFU0939F1ZV").unwrap()),
        "12 MG Road, Pune 411001",
    )
    .unwrap();
    repo.save_registration(&ravi, &full, 5_000).await.unwrap();
    let details = repo.details(&ravi).await.unwrap();
    assert_eq!(details.registration.as_ref(), Some(&full));
    assert_eq!(details.registered_at_ms, Some(5_000));
    assert_eq!(
        details.language,
        Some(hindi),
        "registering keeps the language"
    );

    let bare = Registration::new("Ravi", None, None, "Pune").unwrap();
    repo.save_registration(&ravi, &bare, 6_000).await.unwrap();
    let details = repo.details(&ravi).await.unwrap();
    assert_eq!(
        details.registration,
        Some(bare),
        "replaced, optional parts gone"
    );
    assert_eq!(details.registered_at_ms, Some(6_000));
}
