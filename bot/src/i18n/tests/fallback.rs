//! A missing message, an unknown locale, the languages listed, the forms'
//! texts, a bad bundle.

use super::*;

fn sources<'a>(files: &[(&'a str, &'a str)]) -> Vec<Source<'a>> {
    files
        .iter()
        .map(|(language, text)| Source {
            language,
            file: format!("{language}/shop.ftl"),
            text,
        })
        .collect()
}

#[test]
fn a_message_a_language_lacks_comes_from_the_default_language() {
    let texts = Texts::from_sources(
        locale("en"),
        &sources(&[
            (
                "en",
                "language-name = English\nhello = Hello { $name }\nbye = Bye",
            ),
            ("fr", "language-name = Français\nhello = Bonjour { $name }"),
        ]),
    )
    .unwrap();
    let fr = locale("fr");
    assert_eq!(
        texts.get(&fr, "hello", &[("name", "Asha".into())]),
        "Bonjour Asha"
    );
    assert_eq!(texts.get(&fr, "bye", &[]), "Bye");
    // Nowhere: its id, never a panic.
    assert_eq!(texts.get(&fr, "nowhere", &[]), "nowhere");
    // An argument missing: Fluent's best, never a panic.
    assert_eq!(texts.get(&fr, "hello", &[]), "Bonjour {$name}");
}

#[test]
fn an_unknown_locale_is_answered_in_the_default_language() {
    let texts = texts();
    for tag in ["fr", "und", "zh-Hant-TW"] {
        let unknown = locale(tag);
        assert!(!texts.supports(&unknown), "{tag}");
        assert_eq!(texts.resolve(&unknown), locale("en"), "{tag}");
        assert_eq!(texts.say(&unknown).title(Title::Cancel), "Cancel");
    }
    assert_eq!(texts.resolve(&Locale::undetermined()), locale("en"));
    for (tag, resolved) in [("hi", "hi"), ("hi-IN", "hi"), ("HI", "hi"), ("en-IN", "en")] {
        assert!(texts.supports(&locale(tag)), "{tag}");
        assert_eq!(texts.resolve(&locale(tag)), locale(resolved), "{tag}");
    }
    assert_eq!(texts.say(&locale("hi-IN")).title(Title::Cancel), "रद्द करें");
}

#[test]
fn languages_are_listed_by_their_own_names_the_default_first() {
    assert_eq!(
        texts().languages(),
        vec![
            (locale("en"), "English".to_owned()),
            (locale("hi"), "हिन्दी".to_owned()),
        ]
    );
    let hindi_first = Texts::embedded(locale("hi")).unwrap();
    assert_eq!(hindi_first.languages()[0].1, "हिन्दी");
    assert_eq!(hindi_first.default_locale(), &locale("hi"));
    assert_eq!(hindi_first.get(&locale("fr"), "button-edit", &[]), "बदलें");
}

#[test]
fn forms_get_their_texts_with_the_placeholders_left_to_fill() {
    let texts = texts();
    let hi = locale("hi");
    assert_eq!(
        texts.text(&locale("en"), "form-retry").as_deref(),
        Some("{reason}\n\n{question}")
    );
    assert_eq!(
        texts.text(&hi, "form-number-range").as_deref(),
        Some("कृपया {min} से {max} तक की कोई संख्या भेजें।")
    );
    assert_eq!(
        texts.text(&hi, "form-summary-line").as_deref(),
        Some("*{label}:* {answer}")
    );
    assert_eq!(
        texts.text(&hi, "form-use-the-buttons").as_deref(),
        Some("कृपया \"पुष्टि करें\", \"बदलें\" या \"रद्द करें\" दबाएँ।")
    );
    assert_eq!(texts.text(&hi, "signup-name-question"), None);
    // English matches the framework's own defaults.
    let defaults = framework::form::FormTexts::default();
    let en = locale("en");
    for (key, own) in [
        ("form-retry", &defaults.retry),
        ("form-optional-question", &defaults.optional_question),
        ("form-not-a-number", &defaults.not_a_number),
        ("form-summary", &defaults.summary),
        ("form-summary-line", &defaults.summary_line),
        ("form-use-the-buttons", &defaults.use_the_buttons),
        ("form-cancelled", &defaults.cancelled),
        ("form-lost", &defaults.lost),
        ("form-not-a-date", &defaults.not_a_date),
    ] {
        assert_eq!(texts.text(&en, key).as_ref(), Some(own), "{key}");
    }
}

#[test]
fn a_bad_bundle_is_refused_naming_the_file_and_the_message() {
    let en = || locale("en");
    let build = |files: &[(&str, &str)]| Texts::from_sources(en(), &sources(files)).unwrap_err();
    let broken = build(&[("en", "language-name = English\n\nbroken = { $x\n")]);
    assert!(
        matches!(&broken, I18nError::Syntax { file, line: 3, .. } if file == "en/shop.ftl"),
        "{broken:?}"
    );
    assert!(
        build(&[("en", "language-name = English\n\nbroken = { $x\n")])
            .to_string()
            .starts_with("locales/en/shop.ftl:3: ")
    );
    assert_eq!(
        build(&[("en", "language-name = English\nhi = a\nhi = b")]),
        I18nError::Duplicate {
            file: "en/shop.ftl".to_owned(),
            id: "hi".to_owned()
        }
    );
    assert_eq!(
        build(&[("en", "hello = Hello")]),
        I18nError::NoLanguageName {
            language: "en".to_owned()
        }
    );
    assert_eq!(
        build(&[("en", "language-name = English\nnumber-grouping = lakh")]),
        I18nError::Grouping {
            language: "en".to_owned(),
            value: "lakh".to_owned()
        }
    );
    assert_eq!(
        build(&[("english", "language-name = English")]),
        I18nError::Language {
            dir: "english".to_owned()
        }
    );
    assert_eq!(
        build(&[("hi", "language-name = हिन्दी")]),
        I18nError::NoDefault { default: en() }
    );
}
