//! Numbers, money and dates as each language writes them.

use super::*;

#[test]
fn a_hindi_summary_groups_numbers_and_money_the_indian_way() {
    let texts = texts();
    let say = texts.say(&locale("hi"));
    assert_eq!(
        say.summary(&quote(
            vec![
                line("Steel", "rod", 250, inr(493_827)),
                line("Brick", "piece", 1500, inr(800)),
            ],
            Vec::new()
        )),
        "आपके ऑर्डर का सारांश:\n\
• Steel: 250 rods × ₹4,938.27 = ₹12,34,567.50\n\
• Brick: 1,500 pieces × ₹8 = ₹12,000\n\
कुल: ₹12,46,567.50"
    );
    // Whatever the currency, and in English in India too.
    let usd = Money::new(123_456_700, Currency::USD);
    assert_eq!(texts.money(&locale("hi"), usd), "$12,34,567");
    assert_eq!(texts.money(&locale("en-IN"), usd), "$12,34,567");
    assert_eq!(texts.money(&locale("en"), usd), "$1,234,567");
    assert_eq!(texts.number(&locale("en-IN"), 1_234_567), "12,34,567");
    assert_eq!(texts.number(&locale("en"), 1_234_567), "1234567");
    assert_eq!(texts.number(&locale("hi-IN"), 1_234_567), "12,34,567");
}

#[test]
fn a_hindi_date_names_its_month_in_hindi() {
    let texts = texts();
    let utc = jiff::tz::TimeZone::UTC;
    let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    assert_eq!(texts.date(&locale("hi"), NOV_22, &utc), "22 नवंबर 2026");
    assert_eq!(texts.date(&locale("hi"), 0, &utc), "1 जनवरी 1970");
    assert_eq!(texts.date(&locale("en"), NOV_22, &utc), "22 Nov 2026");
    assert_eq!(texts.date(&locale("en"), 0, &utc), "1 Jan 1970");
    // 2026-11-22T20:00:00Z is already the 23rd in India.
    assert_eq!(
        texts.date(&locale("hi"), 1_795_377_600_000, &kolkata),
        "23 नवंबर 2026"
    );
    assert_eq!(
        texts.date(&locale("en"), 1_795_377_600_000, &utc),
        "22 Nov 2026"
    );
    let months: Vec<String> = (1..=12)
        .map(|month| {
            let ms = jiff::civil::date(2026, month, 1)
                .to_zoned(utc.clone())
                .unwrap()
                .timestamp()
                .as_millisecond();
            texts.date(&locale("hi"), ms, &utc)
        })
        .collect();
    assert_eq!(months[1], "1 फ़रवरी 2026");
    assert_eq!(months[11], "1 दिसंबर 2026");
    assert_eq!(months.iter().collect::<BTreeSet<_>>().len(), 12);
}
