//! The [`ProductRepository`] contract.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::catalog::{SourcedProduct, SyncChanges, UpsertCounts};

/// Checks a [`ProductRepository`]: counting, inserting and updating by SKU
/// with exact counts, `deactivate_others`, reactivation, `list_active`
/// ordered by name without inactive products, exact round trips of every
/// field (non-ASCII text, aliases, large prices, untracked stock), and a
/// sync's changes (`list_all`, `save_synced` with external ids).
///
/// # Panics
///
/// On the first broken rule, saying which.
pub async fn product_repository<R>(repo: R)
where
    R: ProductRepository,
{
    // Arrange: an empty repository.
    assert_eq!(
        repo.count().await.unwrap(),
        0,
        "the repository must start empty"
    );
    assert!(
        repo.list_active().await.unwrap().is_empty(),
        "the repository must start empty"
    );

    // Insert three, one inactive.
    let alpha = product(
        "ALPHA",
        "Alpha Cement",
        &["opc", "सीमेंट"],
        paise(350, 50),
        None,
        true,
    );
    let bravo = product(
        "BRAVO",
        "Bravo Sand",
        &["ret"],
        paise(55, 0),
        Some(10),
        true,
    );
    let charlie = product("CHARLIE", "Charlie Wire", &[], paise(85, 0), Some(0), false);
    let counts = repo
        .upsert(vec![bravo.clone(), alpha.clone(), charlie.clone()], false)
        .await
        .unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 3,
            updated: 0,
            deactivated: 0
        },
        "upsert of 3 new products"
    );
    assert_eq!(
        repo.count().await.unwrap(),
        3,
        "count includes inactive products"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), bravo.clone()],
        "list_active: active products only, ordered by name, every field as stored"
    );

    // Update one, insert one.
    let bravo2 = product(
        "BRAVO",
        "Bravo Sand",
        &["balu"],
        paise(60, 25),
        Some(7),
        true,
    );
    let delta = product(
        "DELTA",
        "Delta Paint",
        &["paint", "emulsion"],
        paise(320, 0),
        Some(400),
        true,
    );
    let counts = repo
        .upsert(vec![bravo2.clone(), delta.clone()], false)
        .await
        .unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 1,
            updated: 1,
            deactivated: 0
        },
        "upsert by SKU"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), bravo2.clone(), delta.clone()],
        "an upsert overwrites every field of an existing SKU (price, stock, aliases)"
    );
    assert_eq!(repo.count().await.unwrap(), 4, "count after update");

    // Reactivate.
    let charlie2 = charlie.clone().with_active(true);
    let counts = repo.upsert(vec![charlie2.clone()], false).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 0
        },
        "reactivating upsert"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [
            alpha.clone(),
            bravo2.clone(),
            charlie2.clone(),
            delta.clone()
        ],
        "an upsert with active = true reactivates"
    );

    // Replace: everything else becomes inactive.
    let counts = repo.upsert(vec![alpha.clone()], true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 3
        },
        "deactivate_others deactivates every other active product"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        std::slice::from_ref(&alpha),
        "after deactivate_others"
    );
    assert_eq!(
        repo.count().await.unwrap(),
        4,
        "deactivated products are kept"
    );
    let counts = repo.upsert(vec![alpha.clone()], true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 0
        },
        "already inactive products are not counted as deactivated"
    );

    // Upserting an inactive product stores it inactive.
    let echo = product("ECHO", "Echo Tiles", &[], paise(1_250, 0), Some(3), false);
    let counts = repo.upsert(vec![echo], false).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 1,
            updated: 0,
            deactivated: 0
        },
        "insert inactive"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        std::slice::from_ref(&alpha),
        "an inactive insert is not listed"
    );

    // Large amounts and non-ASCII text round-trip exactly.
    let big = product(
        "BIG_1",
        "Ärger — ₹ special",
        &["सरिया", "tmt bar"],
        i64::MAX - 49,
        Some(u32::MAX),
        true,
    );
    repo.upsert(vec![big.clone()], false).await.unwrap();
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), big.clone()],
        "non-ASCII names/aliases, i64 prices and u32 stock round-trip"
    );

    // An empty replacing upsert deactivates everything.
    let counts = repo.upsert(Vec::new(), true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 0,
            deactivated: 2
        },
        "an empty upsert with deactivate_others deactivates every active product"
    );
    assert!(
        repo.list_active().await.unwrap().is_empty(),
        "nothing active after an empty replace"
    );
    assert_eq!(repo.count().await.unwrap(), 6, "count after everything");

    // A sync's changes: upserts carry their external id, deactivations keep it.
    let all = repo.list_all().await.unwrap();
    assert_eq!(all.len(), 6, "list_all lists inactive products too");
    assert!(
        all.iter().all(|s| s.source_id.is_none()),
        "products never synced have no external id"
    );
    let fox = product("FOX", "Fox Paint", &[], paise(99, 0), Some(4), true);
    let alpha_synced = product(
        "ALPHA",
        "Alpha Cement 53",
        &["opc"],
        paise(360, 0),
        Some(1),
        true,
    );
    repo.save_synced(SyncChanges {
        upserts: vec![
            (fox.clone(), "z-1".to_owned()),
            (alpha_synced.clone(), "z-2".to_owned()),
        ],
        deactivate: Vec::new(),
    })
    .await
    .unwrap();
    let sourced = |all: &[SourcedProduct], sku: &str| {
        all.iter()
            .find(|s| s.product.sku().as_str() == sku)
            .cloned()
            .unwrap_or_else(|| panic!("{sku} is listed"))
    };
    let all = repo.list_all().await.unwrap();
    assert_eq!(all.len(), 7, "a synced insert adds one product");
    assert_eq!(
        sourced(&all, "FOX"),
        SourcedProduct {
            product: fox.clone(),
            source_id: Some("z-1".to_owned())
        },
        "a synced insert round-trips with its external id"
    );
    assert_eq!(
        sourced(&all, "ALPHA").product,
        alpha_synced,
        "a synced update overwrites every field"
    );
    assert_eq!(sourced(&all, "ALPHA").source_id.as_deref(), Some("z-2"));
    repo.save_synced(SyncChanges {
        upserts: Vec::new(),
        deactivate: vec![Sku::parse("FOX").unwrap(), Sku::parse("NOPE").unwrap()],
    })
    .await
    .unwrap();
    let all = repo.list_all().await.unwrap();
    let fox_now = sourced(&all, "FOX");
    assert!(!fox_now.product.is_active(), "deactivated by a sync");
    assert_eq!(
        fox_now.source_id.as_deref(),
        Some("z-1"),
        "a deactivated product keeps its external id"
    );
    assert_eq!(all.len(), 7, "an unknown SKU to deactivate is ignored");
}
