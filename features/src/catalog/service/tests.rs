//! Given/when/then tests of [`CatalogService`](super::CatalogService).

use crate::catalog::{
    CatalogError, ImportCatalog, ListProducts, OrderLimits, QuantitySpec, Quote, QuoteProblem,
    QuoteRequest, Sku, demo,
};
use crate::shared::{Currency, Money};
use crate::testing::{catalog::given, fixtures};

fn req(text: &str) -> QuoteRequest {
    QuoteRequest::new(text)
}

fn inr(major: i64) -> Money {
    Money::new(major * 100, Currency::INR)
}

/// (name, quantity) of each line.
fn lines(quote: &Quote) -> Vec<(&str, u32)> {
    quote
        .lines()
        .iter()
        .map(|l| (l.name.as_str(), l.quantity))
        .collect()
}

#[tokio::test]
async fn quotes_a_simple_order() {
    given(demo::products())
        .when(|svc| async move { svc.quote(&req("Cement x 100")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Cement", 100)]);
            assert_eq!(quote.lines()[0].unit_price, inr(350));
            assert_eq!(quote.lines()[0].unit.as_str(), "bag");
            assert_eq!(quote.total(), inr(35_000));
            assert_eq!(quote.currency(), Currency::INR);
            assert!(quote.is_orderable());
        });
}

#[tokio::test]
async fn quotes_several_items_in_message_order() {
    given(demo::products())
        .when(|svc| async move {
            svc.quote(&req("2 bags cement, 5 steel rods and 10 bricks"))
                .await
        })
        .await
        .then_expect(|quote| {
            assert_eq!(
                lines(quote),
                [("Cement", 2), ("Steel Rod", 5), ("Red Bricks", 10)]
            );
            assert_eq!(quote.total(), inr(2 * 350 + 5 * 720 + 10 * 8));
            assert!(quote.problems().is_empty());
        });
}

#[tokio::test]
async fn merges_the_same_product_asked_twice() {
    given(demo::products())
        .when(|svc| async move { svc.quote(&req("cement x 10, opc 5, sand 3")).await })
        .await
        .then_expect(|quote| assert_eq!(lines(quote), [("Cement", 15), ("Sand", 3)]));
}

#[tokio::test]
async fn reports_quantity_problems() {
    given(demo::products())
        .when(|svc| async move {
            svc.quote(&req("cement, sand x 0, bricks x -5, wire x 2.5"))
                .await
        })
        .await
        .then_expect(|quote| {
            assert!(quote.lines().is_empty());
            assert!(!quote.is_orderable());
            assert_eq!(
                quote.problems(),
                [
                    QuoteProblem::MissingQuantity {
                        product: "Cement".to_owned(),
                        unit: crate::catalog::Unit::parse("bag").unwrap()
                    },
                    QuoteProblem::ZeroQuantity {
                        product: "Sand".to_owned()
                    },
                    QuoteProblem::NegativeQuantity {
                        product: "Red Bricks".to_owned()
                    },
                    QuoteProblem::FractionalQuantity {
                        product: "Binding Wire".to_owned()
                    },
                ]
            );
        });
}

#[tokio::test]
async fn a_quantity_in_another_unit_is_asked_again() {
    given(demo::products())
        .when(|svc| async move {
            svc.quote(&req("2 ton sariya, steel rod 8mm 20 pcs, cement 10 bori"))
                .await
        })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Steel Rod", 20), ("Cement", 10)]);
            assert_eq!(
                quote.problems(),
                [QuoteProblem::MissingQuantity {
                    product: "Steel Rod".to_owned(),
                    unit: crate::catalog::Unit::parse("rod").unwrap()
                }]
            );
        });
}

#[tokio::test]
async fn limits_quantity_per_order() {
    given(demo::products())
        .with_limits(OrderLimits { max_quantity: 100 })
        .when(|svc| async move { svc.quote(&req("cement x 101, sand x 100")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Sand", 100)]);
            assert_eq!(
                quote.problems(),
                [QuoteProblem::TooMany {
                    product: "Cement".to_owned(),
                    max: 100
                }]
            );
        });
}

#[tokio::test]
async fn huge_quantities_are_too_many_not_a_crash() {
    given(demo::products())
        .with_limits(OrderLimits {
            max_quantity: u32::MAX,
        })
        .when(|svc| async move {
            svc.quote(&req("sand x 99999999999999999999, cement x 1"))
                .await
        })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Cement", 1)]);
            assert!(matches!(quote.problems(), [QuoteProblem::TooMany { .. }]));
        });
}

#[tokio::test]
async fn checks_tracked_stock_only() {
    given(demo::products())
        .when(|svc| async move { svc.quote(&req("white cement x 41, sand x 10000")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Sand", 10_000)]);
            assert_eq!(
                quote.problems(),
                [QuoteProblem::OutOfStock {
                    product: "White Cement".to_owned(),
                    available: 40
                }]
            );
        });
}

#[tokio::test]
async fn merged_quantities_are_checked_against_stock() {
    given(demo::products())
        .when(|svc| async move {
            svc.quote(&req("white cement x 30, white cement x 11"))
                .await
        })
        .await
        .then_expect(|quote| {
            assert!(quote.lines().is_empty());
            assert!(matches!(
                quote.problems(),
                [QuoteProblem::OutOfStock { available: 40, .. }]
            ));
        });
}

#[tokio::test]
async fn ambiguous_phrases_ask_and_resolved_choices_are_used() {
    let then = given(demo::products())
        .when(|svc| async move { svc.quote(&req("pipe x 10, cement x 1")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("Cement", 1)]);
            let [
                QuoteProblem::Ambiguous {
                    phrase,
                    quantity,
                    options,
                },
            ] = quote.problems()
            else {
                panic!("{:?}", quote.problems());
            };
            assert_eq!(phrase, "pipe");
            assert_eq!(*quantity, QuantitySpec::Amount(10));
            let names: Vec<&str> = options.iter().map(|(_, n)| n.as_str()).collect();
            assert_eq!(names, ["PVC Pipe 1 inch", "PVC Pipe 2 inch"]);
        });
    let _ = then;

    let choice = Sku::parse("PVC-2IN").unwrap();
    given(demo::products())
        .when(|svc| async move {
            svc.quote(&req("pipe x 10, cement x 1").with_resolved("Pipe", choice))
                .await
        })
        .await
        .then_expect(|quote| {
            assert_eq!(lines(quote), [("PVC Pipe 2 inch", 10), ("Cement", 1)]);
            assert!(quote.is_orderable());
        });
}

#[tokio::test]
async fn unknown_products_come_with_suggestions() {
    given(demo::products())
        .when(|svc| async move { svc.quote(&req("pvc pipe 3 inch x 4, plywood x 2")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(
                quote.problems(),
                [
                    QuoteProblem::NotFound {
                        phrase: "pvc pipe 3 inch".to_owned(),
                        suggestions: vec![
                            "PVC Pipe 1 inch".to_owned(),
                            "PVC Pipe 2 inch".to_owned()
                        ],
                    },
                    QuoteProblem::NotFound {
                        phrase: "plywood".to_owned(),
                        suggestions: vec![]
                    },
                ]
            );
        });
}

#[tokio::test]
async fn a_message_without_products_is_not_understood() {
    given(demo::products())
        .when(|svc| async move { svc.quote(&req("hello, thanks!")).await })
        .await
        .then_expect(|quote| {
            assert_eq!(quote.problems(), [QuoteProblem::NotUnderstood]);
            assert_eq!(quote.total(), inr(0));
        });
}

#[tokio::test]
async fn a_huge_message_is_a_user_error() {
    let text = "cement 1, ".repeat(60);
    given(demo::products())
        .when(|svc| async move { svc.quote(&req(&text)).await })
        .await
        .then_expect_error(|e| matches!(e, CatalogError::Request(_)) && e.is_user_error());
}

#[tokio::test]
async fn inactive_products_are_not_quoted() {
    let products = vec![
        fixtures::product("A", "Widget", 10, None).with_active(false),
        fixtures::product("B", "Gadget", 10, None),
    ];
    given(products)
        .when(|svc| async move { svc.quote(&req("widget x 1")).await })
        .await
        .then_expect(|quote| assert!(matches!(quote.problems(), [QuoteProblem::NotFound { .. }])));
}

#[tokio::test]
async fn storage_failure_is_unexpected() {
    given(demo::products())
        .with_failing_storage()
        .when(|svc| async move { svc.quote(&req("cement x 1")).await })
        .await
        .then_expect_error(|e| matches!(e, CatalogError::Unexpected(_)) && !e.is_user_error());
}

fn import(csv: &str, replace: bool) -> ImportCatalog {
    ImportCatalog {
        csv: csv.to_owned(),
        currency: Currency::INR,
        replace,
    }
}

#[tokio::test]
async fn import_stores_valid_rows_and_reports_the_rest() {
    let csv = "sku,name,aliases,unit,price,stock\nCEM-OPC53,Cement,opc,bag,360,100\nNEW,Plywood,,piece,900,\nBAD,,,bag,1,1\n";
    given(demo::products())
        .when(|svc| async move { svc.import(import(csv, false)).await })
        .await
        .then_expect(|outcome| {
            assert_eq!(outcome.counts.inserted, 1);
            assert_eq!(outcome.counts.updated, 1);
            assert_eq!(outcome.counts.deactivated, 0);
            assert_eq!(outcome.rejected.len(), 1);
            assert_eq!(outcome.rejected[0].line, 4);
        })
        .then_stock("CEM-OPC53", Some(100))
        .then_stock("NEW", None);
}

#[tokio::test]
async fn replacing_import_deactivates_the_rest() {
    let csv = "sku,name,unit,price\nCEM-OPC53,Cement,bag,360\n";
    let then = given(demo::products())
        .when(|svc| async move { svc.import(import(csv, true)).await })
        .await
        .then_expect(|outcome| {
            assert_eq!(
                outcome.counts.deactivated,
                demo::products().len() as u64 - 1
            );
        });
    let active: Vec<_> = then
        .products()
        .all()
        .into_iter()
        .filter(|p| p.is_active())
        .collect();
    assert_eq!(active.len(), 1);
}

#[tokio::test]
async fn replacing_import_with_rejected_rows_changes_nothing() {
    let csv = "sku,name,unit,price\nCEM-OPC53,Cement,bag,360\nSTL-TMT12,Steel Rod,rod,oops\n";
    let then = given(demo::products())
        .when(|svc| async move { svc.import(import(csv, true)).await })
        .await
        .then_expect_error(|e| matches!(e, CatalogError::ReplaceWithRejectedRows { rejected } if rejected[0].line == 3));
    assert!(then.products().all().iter().all(|p| p.is_active()));
    assert_eq!(
        then.products().product("CEM-OPC53").unwrap().price(),
        inr(350)
    );
}

#[tokio::test]
async fn import_without_valid_rows_changes_nothing() {
    let csv = "sku,name,unit,price\nBAD,,bag,1\n";
    given(vec![])
        .when(|svc| async move { svc.import(import(csv, false)).await })
        .await
        .then_expect_error(
            |e| matches!(e, CatalogError::NothingToImport { rejected } if rejected.len() == 1),
        );

    given(vec![])
        .when(|svc| async move { svc.import(import("sku,name\n", false)).await })
        .await
        .then_expect_error(|e| matches!(e, CatalogError::Import(_)) && e.is_user_error());
}

#[tokio::test]
async fn seeds_the_demo_catalog_only_when_empty() {
    let then = given(vec![])
        .when(|svc| async move {
            let first = svc.seed_demo().await?;
            let second = svc.seed_demo().await?;
            let listed = svc.list(ListProducts).await?;
            Ok((first, second, listed.len()))
        })
        .await
        .then_expect(|&(first, second, listed)| {
            assert!(first);
            assert!(!second);
            assert_eq!(listed, demo::products().len());
        });
    assert_eq!(then.products().stock_of("CEM-OPC53"), Some(5000));

    given(vec![
        fixtures::product("X", "Only", 1, None).with_active(false),
    ])
    .when(|svc| async move { svc.seed_demo().await })
    .await
    .then_expect(|seeded| {
        assert!(
            !seeded,
            "a catalog with only inactive products is not empty"
        )
    });
}

#[tokio::test]
async fn lists_active_products_by_name() {
    let products = vec![
        fixtures::product("B", "Bravo", 1, None),
        fixtures::product("A", "Alpha", 1, None),
        fixtures::product("C", "Charlie", 1, None).with_active(false),
    ];
    given(products)
        .when(|svc| async move { svc.list(ListProducts).await })
        .await
        .then_expect(|listed| {
            let names: Vec<&str> = listed.iter().map(|p| p.name()).collect();
            assert_eq!(names, ["Alpha", "Bravo"]);
        });
}
