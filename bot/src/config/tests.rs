//! The settings' tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use super::*;

fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::from_sources(None, pairs.iter().copied(), &[])
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_are_the_embedded_bot() {
    let s = with(&[]).unwrap();
    assert_eq!(s.server.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(s.server.base_url(), "http://127.0.0.1:8080");
    assert_eq!(s.server.header_timeout, Duration::from_secs(10));
    assert_eq!(s.server.body_timeout, Duration::from_secs(30));
    assert_eq!(s.server.idle_timeout, Duration::from_secs(60));
    assert_eq!(s.server.max_connections, 10_000);
    assert_eq!(s.database.url(), "sqlite://campanile.db?mode=rwc");
    assert_eq!(s.database.max_connections(), 20);
    assert_eq!(s.redis.config(), None);
    assert_eq!(s.redis.key_prefix, "campanile");
    assert_eq!(s.twilio.api_base, "https://api.twilio.com");
    assert_eq!(s.meta.api_base, "https://graph.facebook.com");
    assert_eq!(s.meta.api_version, "v25.0");
    assert_eq!(s.pipeline, PipelineSettings::default());
    assert_eq!(s.pipeline.session_ttl, Duration::from_secs(86_400));
    assert_eq!(s.shop.max_quantity, 10_000);
    assert!(s.workers.run);
    assert!(!s.webhooks().twilio_enabled() && !s.webhooks().meta_enabled());
}

#[test]
fn bad_values_name_the_variable() {
    let e = with(&[("CAMPANILE_SESSION_TTL", "soon")]).err().unwrap();
    assert!(
        e.to_string().starts_with("CAMPANILE_SESSION_TTL=\"soon\""),
        "{e}"
    );
    assert!(e.to_string().ends_with("like 90s, 30m, 24h or 7d"), "{e}");
    let e = with(&[("CAMPANILE_ADDR", "nowhere")]).err().unwrap();
    assert!(e.to_string().contains("CAMPANILE_ADDR"), "{e}");
    let e = with(&[("CAMPANILE_MAX_QUANTITY", "0")]).err().unwrap();
    assert!(e.to_string().contains("at least 1"), "{e}");
    let e = with(&[("CAMPANILE_PUBLIC_URL", "bot.example.com")])
        .err()
        .unwrap();
    assert!(e.to_string().contains("http"), "{e}");
    let e = with(&[("CAMPANILE_MAX_QUANTITY", "many")]).err().unwrap();
    assert_eq!(
        e.to_string(),
        "CAMPANILE_MAX_QUANTITY=\"many\" is not valid: expected an integer"
    );
    let e = with(&[("CAMPANILE_WORKERS", "maybe")]).err().unwrap();
    assert_eq!(
        e.to_string(),
        "CAMPANILE_WORKERS=\"maybe\" is not valid: must be on or off"
    );
}

#[test]
fn durations_and_numbers_parse() {
    let s = with(&[
        ("CAMPANILE_SESSION_TTL", "2s"),
        ("CAMPANILE_IN_FLIGHT_TTL", "90s"),
        ("CAMPANILE_LANE_TTL", "1m 30s"),
        ("CAMPANILE_INVOICE_LINK_TTL", "7d"),
        ("CAMPANILE_MAX_QUANTITY", "50"),
        ("CAMPANILE_WORKERS", "off"),
        ("DATABASE_MAX_CONNECTIONS", "8"),
        ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
        ("META_PHONE_NUMBER_ID", "106540352242922"),
        ("CAMPANILE_PUBLIC_URL", "https://bot.example.com/"),
        ("CAMPANILE_HEADER_TIMEOUT", "500ms"),
        ("CAMPANILE_BODY_TIMEOUT", "1m"),
        ("CAMPANILE_IDLE_TIMEOUT", "2m"),
        ("CAMPANILE_MAX_CONNECTIONS", "512"),
    ])
    .unwrap();
    assert_eq!(s.pipeline.session_ttl, Duration::from_secs(2));
    assert_eq!(s.pipeline.in_flight_ttl, Duration::from_secs(90));
    assert_eq!(s.pipeline.lane_ttl, Duration::from_secs(90));
    assert_eq!(s.shop.invoice_link_ttl, Duration::from_secs(7 * 86_400));
    assert_eq!(s.shop.max_quantity, 50);
    assert!(!s.workers.run);
    assert_eq!(s.database.max_connections(), 8);
    assert_eq!(s.twilio.whatsapp_from.unwrap().as_str(), "+14155238886");
    assert_eq!(s.meta.phone_number_id.as_deref(), Some("106540352242922"));
    assert_eq!(s.server.base_url(), "https://bot.example.com");
    assert_eq!(s.server.header_timeout, Duration::from_millis(500));
    assert_eq!(s.server.body_timeout, Duration::from_secs(60));
    assert_eq!(s.server.idle_timeout, Duration::from_secs(120));
    assert_eq!(s.server.max_connections, 512);
}

#[test]
fn an_empty_value_is_unset() {
    let s = with(&[
        ("CAMPANILE_ADDR", ""),
        ("CAMPANILE_SESSION_TTL", "  "),
        ("TWILIO_AUTH_TOKEN", ""),
    ])
    .unwrap();
    assert_eq!(s.server.addr.port(), 8080);
    assert_eq!(s.pipeline.session_ttl, Duration::from_secs(86_400));
    assert!(s.twilio.auth_token.is_none());
}

#[test]
fn secrets_never_show_in_debug() {
    let s = with(&[
        ("TWILIO_AUTH_TOKEN", "tok-very-secret"),
        ("META_APP_SECRET", "meta-very-secret"),
        ("META_VERIFY_TOKEN", "verify-very-secret"),
        ("META_ACCESS_TOKEN", "EAA-very-secret"),
        ("CAMPANILE_LOG_PSEUDONYM_KEY", "key-very-secret-0123456789"),
        ("DATABASE_URL", "postgres://u:pw-very-secret@db/x"),
        ("REDIS_URL", "redis://:pw-very-secret@127.0.0.1:6379/0"),
    ])
    .unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
    assert!(shown.contains("postgres://u:***@db/x"), "{shown}");
    assert!(shown.contains("redis://***@127.0.0.1:6379/0"), "{shown}");
    assert_eq!(
        s.twilio.auth_token.as_ref().map(|t| t.expose_secret()),
        Some("tok-very-secret")
    );
    assert_eq!(
        s.redis.config().unwrap().url(),
        "redis://:pw-very-secret@127.0.0.1:6379/0"
    );

    // An error about a secret does not repeat it either.
    let e = with(&[("CAMPANILE_LOG_PSEUDONYM_KEY", "short-secret")])
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("CAMPANILE_LOG_PSEUDONYM_KEY"), "{e}");
    assert!(!e.contains("short-secret"), "{e}");
    let e = with(&[("REDIS_URL", "rediss://:pw-very-secret@host")])
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.starts_with("REDIS_URL") && !e.contains("very-secret"),
        "{e}"
    );
}

#[test]
fn the_file_uses_env_names_and_rejects_typos() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(
        &dir,
        "good.toml",
        "CAMPANILE_ADDR = \"127.0.0.1:9999\"\nCAMPANILE_MAX_QUANTITY = 7\nCAMPANILE_GST_RATE = 0.25\nCAMPANILE_WORKERS = false\n",
    );
    let s = Settings::from_sources(Some(&good), [("PATH", "/bin")], &[]).unwrap();
    assert_eq!(s.server.addr.port(), 9999);
    assert_eq!(s.shop.max_quantity, 7);
    assert_eq!(s.shop.gst_rate.basis_points(), 25);
    assert!(!s.workers.run);

    let typo = file(
        &dir,
        "typo.toml",
        "TWILIO_AUTH_TOKN = \"x\"\nCAMPANILE_ADDR = \"127.0.0.1:1\"\nCAMPANILE_SESION_TTL = \"1h\"\n",
    );
    let e = Settings::from_sources(Some(&typo), [("PATH", "/bin")], &[])
        .err()
        .unwrap();
    let shown = e.to_string();
    assert!(
        shown.contains("TWILIO_AUTH_TOKN (did you mean TWILIO_AUTH_TOKEN?)"),
        "{shown}"
    );
    assert!(
        shown.contains("CAMPANILE_SESION_TTL (did you mean CAMPANILE_SESSION_TTL?)"),
        "{shown}"
    );
    assert!(!shown.contains("CAMPANILE_ADDR"), "{shown}");

    let table = file(&dir, "table.toml", "[server]\nCAMPANILE_ADDR = \"x\"\n");
    let e = Settings::from_sources(Some(&table), [("PATH", "/bin")], &[])
        .err()
        .unwrap();
    assert!(e.to_string().contains("server"), "{e}");

    let missing =
        Settings::from_sources(Some(&dir.path().join("nope.toml")), [("PATH", "/bin")], &[])
            .err()
            .unwrap();
    assert!(matches!(missing, ConfigError::Read { .. }));
}

#[test]
fn env_wins_over_the_file_and_a_flag_over_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "shop.toml",
        "CAMPANILE_ADDR = \"127.0.0.1:1111\"\nDATABASE_URL = \"sqlite://file.db\"\nCAMPANILE_SHOP_NAME = \"From the file\"\nCAMPANILE_SESSION_TTL = \"1h\"\n",
    );
    let env = [
        ("CAMPANILE_ADDR", "127.0.0.1:2222"),
        ("DATABASE_URL", "sqlite://env.db"),
        ("CAMPANILE_SESSION_TTL", "2h"),
    ];
    let flags = [
        ("CAMPANILE_ADDR", "127.0.0.1:3333".to_owned()),
        ("DATABASE_URL", "sqlite://flag.db".to_owned()),
    ];

    let file_only = Settings::from_sources(Some(&path), [("PATH", "/bin")], &[]).unwrap();
    let file_and_env = Settings::from_sources(Some(&path), env, &[]).unwrap();
    let all = Settings::from_sources(Some(&path), env, &flags).unwrap();

    assert_eq!(file_only.server.addr.port(), 1111);
    assert_eq!(file_only.database.url(), "sqlite://file.db");
    assert_eq!(file_and_env.server.addr.port(), 2222, "env over file");
    assert_eq!(file_and_env.database.url(), "sqlite://env.db");
    assert_eq!(file_and_env.pipeline.session_ttl, Duration::from_secs(7200));
    assert_eq!(all.server.addr.port(), 3333, "flag over env and file");
    assert_eq!(all.database.url(), "sqlite://flag.db");
    assert_eq!(all.server.base_url(), "http://127.0.0.1:3333");
    // What nothing overrides still comes from the file.
    assert_eq!(all.shop.name, "From the file");
    assert_eq!(all.pipeline.session_ttl, Duration::from_secs(7200));

    // A bad flag is an error naming its variable, like any value.
    let e = Settings::from_sources(None, env, &[("CAMPANILE_ADDR", "nowhere".to_owned())])
        .err()
        .unwrap();
    assert!(
        e.to_string().starts_with("CAMPANILE_ADDR=\"nowhere\""),
        "{e}"
    );
}

#[test]
fn shop_settings_have_defaults_and_refuse_bad_values_by_name() {
    let s = with(&[]).unwrap();
    assert_eq!(s.shop.timezone, "Asia/Kolkata");
    assert_eq!(
        s.shop.quiet_hours,
        features::reminders::QuietHours::parse("21:00-09:00").unwrap()
    );
    assert_eq!(s.shop.gst_rate.basis_points(), 1800);
    assert_eq!(s.shop.payment_terms_days, 15);
    assert_eq!(s.shop.payment_reminder_after, None);
    assert!(s.shop.opt_out_words.is_empty() && s.shop.opt_in_words.is_empty());

    let words = with(&[
        ("CAMPANILE_OPT_OUT_WORDS", " band, Ruko ,"),
        ("CAMPANILE_OPT_IN_WORDS", "shuru"),
    ])
    .unwrap()
    .shop
    .consent_keywords();
    assert!(matches!(
        words.classify("RUKO"),
        Some(features::customers::ConsentKeyword::OptOut(_))
    ));
    assert!(matches!(
        words.classify("Shuru"),
        Some(features::customers::ConsentKeyword::OptIn(_))
    ));
    assert!(words.classify("stop").is_some(), "Twilio's words stay");

    let s = with(&[
        ("CAMPANILE_QUIET_HOURS", ""),
        ("CAMPANILE_GST_RATE", "0.25"),
        ("CAMPANILE_PAYMENT_TERMS", "30"),
        ("CAMPANILE_PAYMENT_REMINDER_AFTER", "2s"),
        ("CAMPANILE_TIMEZONE", "Europe/Berlin"),
        ("CAMPANILE_SHOP_ADDRESS", "12 MG Road | Pune 411001"),
    ])
    .unwrap();
    assert_eq!(s.shop.quiet_hours, None, "an empty value turns them off");
    assert_eq!(s.shop.gst_rate.basis_points(), 25);
    assert_eq!(s.shop.tax().payment_terms_days, 30);
    assert_eq!(s.shop.payment_reminder_after, Some(Duration::from_secs(2)));
    assert_eq!(s.shop.address, ["12 MG Road", "Pune 411001"]);
    assert!(s.shop.clock().is_ok());
    let rate = |text| with(&[("CAMPANILE_GST_RATE", text)]).unwrap().shop.gst_rate;
    assert_eq!(rate("12").basis_points(), 1200);
    assert_eq!(rate("5%").basis_points(), 500);
    let terms = with(&[("CAMPANILE_PAYMENT_TERMS", "45d")]).unwrap();
    assert_eq!(terms.shop.payment_terms_days, 45);

    for (name, value) in [
        ("CAMPANILE_QUIET_HOURS", "night"),
        ("CAMPANILE_TIMEZONE", "Mars/Olympus"),
        ("CAMPANILE_GST_RATE", "eighteen"),
        ("CAMPANILE_GST_RATE", "17"),
        ("CAMPANILE_PAYMENT_TERMS", "-1"),
        ("CAMPANILE_PAYMENT_TERMS", "3651"),
        ("CAMPANILE_PAYMENT_REMINDER_AFTER", "soon"),
        ("CAMPANILE_OPT_OUT_WORDS", "band karo,ruko"),
        ("CAMPANILE_OPT_IN_WORDS", "start again"),
    ] {
        let e = with(&[(name, value)]).err().unwrap();
        assert!(e.to_string().starts_with(name), "{name}={value}: {e}");
    }
}

#[test]
fn validate_names_the_variable_and_its_value() {
    for (pairs, starts) in [
        (
            &[("CAMPANILE_SESSION_TTL", "500ms")][..],
            "CAMPANILE_SESSION_TTL=\"500ms\" is not valid: must be at least 1s",
        ),
        (
            &[("CAMPANILE_SEND_LEASE", "0s")][..],
            "CAMPANILE_SEND_LEASE=\"0s\" is not valid: must be at least 1s",
        ),
        (
            &[("CAMPANILE_MAX_QUANTITY", "0")][..],
            "CAMPANILE_MAX_QUANTITY=\"0\" is not valid: must be at least 1",
        ),
        (
            &[("CAMPANILE_HEADER_TIMEOUT", "0s")][..],
            "CAMPANILE_HEADER_TIMEOUT=\"0s\" is not valid: must be more than 0s",
        ),
        (
            &[("CAMPANILE_BODY_TIMEOUT", "0s")][..],
            "CAMPANILE_BODY_TIMEOUT=\"0s\" is not valid: must be more than 0s",
        ),
        (
            &[("CAMPANILE_IDLE_TIMEOUT", "0ms")][..],
            "CAMPANILE_IDLE_TIMEOUT=\"0s\" is not valid: must be more than 0s",
        ),
        (
            &[("CAMPANILE_MAX_CONNECTIONS", "0")][..],
            "CAMPANILE_MAX_CONNECTIONS=\"0\" is not valid: must be at least 1",
        ),
        (
            &[("DATABASE_MAX_CONNECTIONS", "0")][..],
            "DATABASE_MAX_CONNECTIONS=\"0\" is not valid: must be at least 1",
        ),
        (
            &[("CAMPANILE_SEND_CONCURRENCY", "0")][..],
            "CAMPANILE_SEND_CONCURRENCY=\"0\" is not valid: must be at least 1",
        ),
        (
            &[("CAMPANILE_TURN_CONCURRENCY", "0")][..],
            "CAMPANILE_TURN_CONCURRENCY=\"0\" is not valid: must be at least 1",
        ),
        (
            &[("CAMPANILE_PAYMENT_TERMS", "3651")][..],
            "CAMPANILE_PAYMENT_TERMS=\"3651\" is not valid: must be at most 3650 days",
        ),
        (
            &[("CAMPANILE_PUBLIC_URL", "ftp://bot")][..],
            "CAMPANILE_PUBLIC_URL=\"ftp://bot\" is not valid: must start with http",
        ),
        (
            &[("REDIS_URL", "http://cache:6379")][..],
            "REDIS_URL=\"<hidden>\" is not valid: must start with redis://",
        ),
        (
            &[("REDIS_URL", "rediss://cache:6379")][..],
            "REDIS_URL=\"<hidden>\" is not valid: TLS (rediss://)",
        ),
        (
            &[
                ("REDIS_URL", "redis://cache"),
                ("REDIS_KEY_PREFIX", "shop:1"),
            ][..],
            "REDIS_KEY_PREFIX=\"shop:1\" is not valid: must not contain ':'",
        ),
        (
            &[("META_APP_SECRET", "s")][..],
            "META_VERIFY_TOKEN=\"\" is not valid: must be set with META_APP_SECRET",
        ),
        (
            &[("META_VERIFY_TOKEN", "v")][..],
            "META_APP_SECRET=\"\" is not valid: must be set with META_VERIFY_TOKEN",
        ),
        (
            &[("CAMPANILE_LOG_PSEUDONYM_KEY", "short")][..],
            "CAMPANILE_LOG_PSEUDONYM_KEY=\"<hidden>\" is not valid: must be at least 16 bytes",
        ),
        (
            &[("CAMPANILE_TIMEZONE", "Mars/Olympus")][..],
            "CAMPANILE_TIMEZONE=\"Mars/Olympus\" is not valid: unknown time zone",
        ),
    ] {
        let e = with(pairs).err().unwrap();
        assert!(e.to_string().starts_with(starts), "{pairs:?}: {e}");
        let ConfigError::Invalid { name, .. } = e else {
            panic!("{pairs:?}: {e}")
        };
        assert!(Settings::variable(name).is_some(), "{name} is a setting");
    }
    // A key prefix matters only with Redis.
    assert!(with(&[("REDIS_KEY_PREFIX", "shop:1")]).is_ok());
}

#[test]
fn unknown_campanile_variables_are_named_with_the_closest_setting() {
    let unknown = unknown_variables([
        "CAMPANILE_SESION_TTL",
        "CAMPANILE_ADDR",
        "PATH",
        "DATABASE_URLL",
        "CAMPANILE_WORKER",
    ]);
    assert_eq!(
        unknown,
        [
            Unknown {
                name: "CAMPANILE_SESION_TTL".to_owned(),
                closest: "CAMPANILE_SESSION_TTL"
            },
            Unknown {
                name: "CAMPANILE_WORKER".to_owned(),
                closest: "CAMPANILE_WORKERS"
            },
        ],
        "only CAMPANILE_* names: the environment has other programs' variables"
    );
}

#[test]
fn every_setting_is_declared_once_with_help() {
    let mut names: Vec<_> = Settings::variables().map(|v| v.name).collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "no name twice");
    for v in Settings::variables() {
        assert!(!v.help().is_empty(), "{} has help", v.name);
    }
    let secret: Vec<_> = Settings::variables()
        .filter(|v| v.secret)
        .map(|v| v.name)
        .collect();
    assert_eq!(
        secret,
        [
            "DATABASE_URL",
            "REDIS_URL",
            "TWILIO_AUTH_TOKEN",
            "META_APP_SECRET",
            "META_VERIFY_TOKEN",
            "META_ACCESS_TOKEN",
            "CAMPANILE_LOG_PSEUDONYM_KEY",
            "ZOHO_CLIENT_SECRET",
            "ZOHO_REFRESH_TOKEN",
            "CAMPANILE_ADMIN_TOKEN",
            "CAMPANILE_LLM_API_KEY",
        ]
    );
    // Every section is read: one variable of each changes its field.
    let s = with(&[
        ("CAMPANILE_ADDR", "127.0.0.1:1"),
        ("DATABASE_URL", "sqlite://x.db"),
        ("REDIS_URL", "redis://cache"),
        ("TWILIO_ACCOUNT_SID", "AC1"),
        ("META_PHONE_NUMBER_ID", "1"),
        ("CAMPANILE_LOG_PSEUDONYM_KEY", "0123456789abcdef"),
        ("CAMPANILE_LANE_TTL", "5s"),
        ("CAMPANILE_WORKERS", "off"),
        ("CAMPANILE_SHOP_NAME", "Shop"),
        ("CAMPANILE_ADMIN_TOKEN", "admin-token-0123456789"),
    ])
    .unwrap();
    assert_eq!(s.server.addr.port(), 1);
    assert_eq!(s.database.url(), "sqlite://x.db");
    assert!(s.redis.config().is_some());
    assert!(s.twilio.account_sid.is_some() && s.meta.phone_number_id.is_some());
    assert!(s.log.pseudonym_key.is_some());
    assert_eq!(s.pipeline.lane_ttl, Duration::from_secs(5));
    assert!(!s.workers.run);
    assert_eq!(s.shop.name, "Shop");
    assert!(s.api.admin_token.is_some());
}

#[test]
fn a_short_admin_token_is_refused_without_showing_it() {
    let e = with(&[("CAMPANILE_ADMIN_TOKEN", "short-tok")])
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("CAMPANILE_ADMIN_TOKEN"), "{e}");
    assert!(e.contains("at least 16"), "{e}");
    assert!(!e.contains("short-tok"), "{e}");
    let s = with(&[("CAMPANILE_ADMIN_TOKEN", "admin-very-secret-token")]).unwrap();
    assert!(!format!("{s:?}").contains("very-secret"));
}

#[test]
fn template_languages_and_translated_content_sids() {
    // Unset: English only, the single SIDs.
    let s = with(&[("TWILIO_CONTENT_SID_INVOICE", "HXinvoice")]).unwrap();
    assert_eq!(s.shop.template_languages, ["en"]);
    let templates = s.shop.job_templates();
    assert_eq!(templates.languages, ["en"]);
    assert_eq!(templates.invoice.as_deref(), Some("HXinvoice"));
    assert!(templates.translated.is_empty());

    let s = with(&[
        ("CAMPANILE_TEMPLATE_LANGUAGES", " en , hi,en_GB "),
        (
            "TWILIO_CONTENT_SIDS",
            "invoice_ready:hi=HX123, payment_reminder:HI=HX456,reminder:en-GB=HX789,",
        ),
    ])
    .unwrap();
    assert_eq!(s.shop.template_languages, ["en", "hi", "en_GB"]);
    let translated = s.shop.job_templates().translated;
    let sid = |template: &str, language: &str| {
        translated
            .get(&(template.to_owned(), language.to_owned()))
            .map(String::as_str)
    };
    assert_eq!(sid("invoice_ready", "hi"), Some("HX123"));
    assert_eq!(
        sid("payment_reminder", "hi"),
        Some("HX456"),
        "keyed as listed"
    );
    assert_eq!(sid("reminder", "en_GB"), Some("HX789"));
    assert_eq!(translated.len(), 3);

    for (pairs, starts) in [
        (
            &[("CAMPANILE_TEMPLATE_LANGUAGES", "en,hindi")][..],
            "CAMPANILE_TEMPLATE_LANGUAGES=\"en,hindi\" is not valid: not a language tag",
        ),
        (
            &[("CAMPANILE_TEMPLATE_LANGUAGES", "en,hi,EN")][..],
            "CAMPANILE_TEMPLATE_LANGUAGES=\"en,hi,EN\" is not valid: EN is listed twice",
        ),
        (
            &[("CAMPANILE_TEMPLATE_LANGUAGES", " , ")][..],
            "CAMPANILE_TEMPLATE_LANGUAGES=\",\" is not valid: must name at least one language",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "invoice_ready=HX1")][..],
            "TWILIO_CONTENT_SIDS=\"invoice_ready=HX1\" is not valid: \"invoice_ready=HX1\" is not template:language=HX…",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "invoice_ready:en:HX1")][..],
            "TWILIO_CONTENT_SIDS=\"invoice_ready:en:HX1\" is not valid: \"invoice_ready:en:HX1\" is not template:language=HX…",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "welcome:en=HX1")][..],
            "TWILIO_CONTENT_SIDS=\"welcome:en=HX1\" is not valid: \"welcome\" is not a template of the jobs (invoice_ready, payment_reminder, reminder)",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "invoice_ready:en=123")][..],
            "TWILIO_CONTENT_SIDS=\"invoice_ready:en=123\" is not valid: \"invoice_ready:en=123\": a Content SID starts with HX",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "invoice_ready:e=HX1")][..],
            "TWILIO_CONTENT_SIDS=\"invoice_ready:e=HX1\" is not valid: \"invoice_ready:e=HX1\": not a language tag",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "reminder:en=HX1,reminder:en=HX2")][..],
            "TWILIO_CONTENT_SIDS=\"reminder:en=HX1,reminder:en=HX2\" is not valid: reminder:en has two Content SIDs (HX1 and HX2)",
        ),
        (
            &[("TWILIO_CONTENT_SIDS", "invoice_ready:hi=HX1")][..],
            "TWILIO_CONTENT_SIDS=\"invoice_ready:hi=HX1\" is not valid: hi is not a language of CAMPANILE_TEMPLATE_LANGUAGES (en)",
        ),
        (
            &[
                ("CAMPANILE_TEMPLATE_LANGUAGES", "en,hi"),
                (
                    "TWILIO_CONTENT_SIDS",
                    "invoice_ready:hi=HX1,reminder:mr=HX2",
                ),
            ][..],
            "TWILIO_CONTENT_SIDS=\"reminder:mr=HX2\" is not valid: mr is not a language of CAMPANILE_TEMPLATE_LANGUAGES (en, hi)",
        ),
    ] {
        let e = with(pairs).err().unwrap();
        assert!(e.to_string().starts_with(starts), "{pairs:?}: {e}");
        let ConfigError::Invalid { name, .. } = e else {
            panic!("{pairs:?}: {e}")
        };
        assert!(Settings::variable(name).is_some(), "{name} is a setting");
    }
    // Both are in `campanile --help`, in the shop's section.
    let shop = Settings::SECTIONS
        .iter()
        .find(|s| s.title.starts_with("Shop"))
        .unwrap();
    for name in ["CAMPANILE_TEMPLATE_LANGUAGES", "TWILIO_CONTENT_SIDS"] {
        let v = shop.variables.iter().find(|v| v.name == name).unwrap();
        assert!(v.help().contains("[default: "), "{name}: {}", v.help());
    }
}
