//! Each kind of field on good and bad answers.

use super::builder::default_label;
use super::*;

fn today() -> Date {
    Date::new(2026, 11, 21).unwrap_or_default()
}

fn accept(field: impl Into<Field>, input: Input<'_>) -> Result<Accepted, Refusal> {
    field.into().accept(input, today())
}

#[test]
fn each_kind_turns_its_answer_into_a_value_and_a_shown_text() {
    let shown = |field: Field, text: &str| {
        field
            .accept(Input::Text(text), today())
            .map(|a| (a.value, a.shown))
    };
    assert_eq!(
        shown(Field::number("n", "?").range(1..=10).into(), "7"),
        Ok((Value::from(7), "7".to_owned()))
    );
    assert_eq!(
        shown(
            Field::one_of("d", "?", [("sat", "Saturday")]).into(),
            "saturday"
        ),
        Ok((Value::from("sat"), "Saturday".to_owned()))
    );
    assert_eq!(
        shown(Field::date("d", "?").into(), "tomorrow"),
        Ok((Value::from("2026-11-22"), "Sun 22 Nov 2026".to_owned()))
    );
    assert_eq!(
        shown(
            Field::phone("p", "?").default_country("91").into(),
            "98123 45678"
        ),
        Ok((Value::from("+919812345678"), "+919812345678".to_owned()))
    );
    assert_eq!(
        shown(Field::email("e", "?").into(), "a@B.com"),
        Ok((Value::from("a@b.com"), "a@b.com".to_owned()))
    );
}

#[test]
fn a_pattern_must_match_the_whole_answer() {
    let pin = || Field::pattern("pin", "?", r"\d{6}");
    assert_eq!(
        accept(pin(), Input::Text(" 411001 ")).map(|a| a.value),
        Ok(Value::from("411001"))
    );
    assert_eq!(accept(pin(), Input::Text("4110012")), Err(Refusal::NoMatch));
    assert_eq!(
        accept(pin(), Input::Text("pin 411001")),
        Err(Refusal::NoMatch)
    );
    assert!(Field::pattern("bad", "?", "(").kind.regex.is_err());
}

#[test]
fn a_custom_parser_gives_its_value_or_its_reason() {
    let bags = || {
        Field::custom("bags", "?", |a: &str| match a.parse::<u32>() {
            Ok(n) if n % 10 == 0 => Ok(n),
            _ => Err("tens only"),
        })
    };
    assert_eq!(
        accept(bags(), Input::Text("20")),
        Ok(Accepted {
            value: Value::from(20),
            shown: "20".to_owned()
        })
    );
    assert_eq!(
        accept(bags(), Input::Text("25")),
        Err(Refusal::Custom("tens only".to_owned()))
    );
}

#[test]
fn otherwise_replaces_the_built_in_reason() {
    let age = Field::number("age", "?")
        .range(18..=99)
        .otherwise("Adults only, 18 to 99.");
    assert_eq!(
        accept(age, Input::Text("12")),
        Err(Refusal::Custom("Adults only, 18 to 99.".to_owned()))
    );
}

#[test]
fn text_questions_refuse_taps_and_media() {
    assert_eq!(
        accept(Field::text("t", "?"), Input::Choice { id: "x" }),
        Err(Refusal::NotText)
    );
    assert_eq!(
        accept(Field::email("e", "?"), Input::Other),
        Err(Refusal::NotText)
    );
}

#[test]
fn dates_are_bounded_relative_to_today() {
    let next_week = || Field::date("d", "?").days_from_today(1..=7);
    assert!(matches!(
        accept(next_week(), Input::Text("today")),
        Err(Refusal::DateRange { .. })
    ));
    assert!(accept(next_week(), Input::Text("fri")).is_ok());
}

#[test]
fn labels_default_to_the_name_spelled_out() {
    assert_eq!(default_label("delivery_day"), "Delivery day");
    assert_eq!(default_label(""), "");
    assert_eq!(
        Field::from(Field::text("x", "?").label("Your X"))
            .common
            .label,
        "Your X"
    );
}
