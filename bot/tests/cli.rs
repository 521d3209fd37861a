//! The `campanile` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn campanile(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_campanile"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("CAMPANILE_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn help_explains_every_command_and_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = campanile(dir.path(), &["--help"], "");
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in [
        "serve",
        "chat",
        "migrate",
        "catalog",
        "messages",
        "DATABASE_URL",
        "TWILIO_API_BASE",
        "META_API_BASE",
        "CAMPANILE_SESSION_TTL",
        "dry run",
        "faq",
    ] {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
    let import = campanile(dir.path(), &["catalog", "import", "--help"], "");
    assert!(text(&import.stdout).contains("sku,name,aliases,unit,price,stock"));
}

#[test]
fn chat_takes_an_order_from_cement_x_100_to_order_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    // A new customer: the language first (their order waits), then the
    // profile before a first order (business and GSTIN skipped), its
    // summary confirmed, then the order's summary, confirmed.
    let out = campanile(
        dir.path(),
        &["chat"],
        "Cement x 100\n1\nAsha Rao\nskip\nskip\n12 MG Road, Pune 411001\n1\n1\n1\nmy orders\n/quit\n",
    );
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}\n{}", text(&out.stderr));
    for step in [
        "Which language would you like?",
        "[2] हिन्दी",
        "Okay, I'll write in English from now on.",
        "Before your first order, a few details for your invoice.",
        "What's your name?",
        "*Address:* 12 MG Road, Pune 411001",
        "Thank you, Asha Rao! Your profile is saved",
    ] {
        assert!(shown.contains(step), "{step:?} missing: {shown}");
    }
    assert!(shown.contains("Total: ₹35,000"), "{shown}");
    assert!(
        shown.contains("[1] Confirm"),
        "buttons as numbered choices: {shown}"
    );
    assert!(shown.contains("Order confirmed"), "{shown}");
    assert!(shown.contains("ORD-00001"), "{shown}");
    assert!(
        dir.path().join("campanile.db").exists(),
        "the default database is a file here"
    );

    // A second chat on the same file: a new order gets a new number.
    let again = campanile(dir.path(), &["chat"], "bricks x 10\n1\n/quit\n");
    let shown = text(&again.stdout);
    assert!(shown.contains("ORD-00002"), "{shown}");

    // The message log has both directions.
    let log = campanile(dir.path(), &["messages", "--limit", "50"], "");
    let log = text(&log.stdout);
    assert!(log.contains(" in ") && log.contains(" out "), "{log}");
    assert!(log.contains("Cement x 100"), "{log}");
}

#[test]
fn catalog_import_reports_rejected_rows_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("catalog.csv");
    std::fs::write(
        &csv,
        "sku,name,aliases,unit,price,stock\n\
         TILE-9,Floor Tile 2x2,tile|tiles,piece,55.50,800\n\
         BAD-1,,nameless,piece,10,1\n\
         BAD-2,Priceless,,piece,free,\n\
         GLUE-1,Tile Adhesive,glue,kg,42,\n",
    )
    .unwrap();
    let out = campanile(
        dir.path(),
        &["catalog", "import", csv.to_str().unwrap()],
        "",
    );
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    assert!(report.contains("2 added"), "{report}");
    assert!(report.contains("2 rejected"), "{report}");
    assert!(report.contains("line 3"), "{report}");
    assert!(report.contains("line 4"), "{report}");

    let list = text(&campanile(dir.path(), &["catalog", "list"], "").stdout);
    assert!(list.contains("TILE-9") && list.contains("₹55.50"), "{list}");
    assert!(
        !list.to_lowercase().contains("cement"),
        "an import into a fresh database is the whole catalog (no demo seeded first): {list}"
    );
    // A chat seeds the demo into an empty catalog only; this one is not.
    campanile(dir.path(), &["chat"], "/quit\n");
    let list = text(&campanile(dir.path(), &["catalog", "list"], "").stdout);
    assert!(!list.to_lowercase().contains("cement"), "{list}");

    // Replacing with a file that has bad rows is refused: a product on a bad
    // row would otherwise be deactivated by mistake.
    let refused = campanile(
        dir.path(),
        &["catalog", "import", "--replace", csv.to_str().unwrap()],
        "",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("nothing imported"),
        "{}",
        text(&refused.stderr)
    );

    let clean = dir.path().join("clean.csv");
    std::fs::write(
        &clean,
        "sku,name,aliases,unit,price,stock\n\
         TILE-9,Floor Tile 2x2,tile|tiles,piece,55.50,800\n\
         GLUE-1,Tile Adhesive,glue,kg,42,\n",
    )
    .unwrap();
    let replace = campanile(
        dir.path(),
        &["catalog", "import", "--replace", clean.to_str().unwrap()],
        "",
    );
    let report = text(&replace.stdout);
    assert!(
        replace.status.success(),
        "{report}{}",
        text(&replace.stderr)
    );
    assert!(report.contains("2 updated"), "{report}");
    let list = text(&campanile(dir.path(), &["catalog", "list"], "").stdout);
    assert!(!list.to_lowercase().contains("cement"), "{list}");

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "sku,name\n").unwrap();
    let out = campanile(
        dir.path(),
        &["catalog", "import", empty.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success(), "a file with no usable rows fails");
    assert!(
        text(&out.stderr).contains("nothing imported"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn migrate_creates_the_schema_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = campanile(dir.path(), &["migrate"], "");
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}{}", text(&out.stderr));
    assert!(
        said.contains("up to date") && said.contains("m0001_shop_schema"),
        "{said}"
    );
}

#[test]
fn a_bad_setting_is_a_clear_error_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_campanile"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("CAMPANILE_SESSION_TTL", "forever")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("CAMPANILE_SESSION_TTL"), "{err}");
}

#[test]
fn a_config_file_is_read_its_typos_refused_and_unknown_variables_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shop.toml"),
        "DATABASE_URL = \"sqlite://from-file.db?mode=rwc\"\nCAMPANILE_SESSION_TTL = \"30m\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typo.toml"),
        "CAMPANILE_SESION_TTL = \"30m\"\n",
    )
    .unwrap();
    let run = |config: &str, env: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_campanile"))
            .args(["--config", config, "migrate"])
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };

    // The file's database, and a warning for a variable that is no setting.
    let out = run("shop.toml", &[("CAMPANILE_SESION_TTL", "1h")]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(dir.path().join("from-file.db").exists(), "{err}");
    assert!(
        err.contains("CAMPANILE_SESION_TTL") && err.contains("CAMPANILE_SESSION_TTL"),
        "the warning names the variable and the closest setting: {err}"
    );

    // The environment wins over the file.
    let out = run(
        "shop.toml",
        &[("DATABASE_URL", "sqlite://from-env.db?mode=rwc")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("from-env.db").exists());

    // A typo in the file stops the bot before anything starts.
    let out = run("typo.toml", &[]);
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("CAMPANILE_SESION_TTL (did you mean CAMPANILE_SESSION_TTL?)"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn serve_starts_on_the_embedded_default_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead as _, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_campanile"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    let listening = loop {
        let Some(Ok(line)) = lines.next() else {
            break false;
        };
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("listening") {
            break true;
        }
    };
    assert!(listening, "{seen}");
    assert!(
        seen.contains("dry run"),
        "the log says providers run dry: {seen}"
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    for line in lines.map_while(Result::ok) {
        seen.push_str(&line);
        seen.push('\n');
    }
    assert!(status.success(), "exit status {status:?}\n{seen}");
    assert!(seen.contains("shutting down"), "{seen}");
    assert!(dir.path().join("campanile.db").exists());
}

#[test]
fn customers_are_tagged_shown_opted_out_and_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = campanile(dir.path(), args, "");
        let shown = text(&out.stdout);
        assert!(
            out.status.success(),
            "{args:?}: {shown}\n{}",
            text(&out.stderr)
        );
        shown
    };
    let tagged = run(&["customers", "tag", "+919812345678", "Wholesale", "delhi"]);
    assert!(
        tagged.contains("tagged wholesale, delhi (2 new)"),
        "{tagged}"
    );
    run(&["customers", "untag", "+919812345678", "delhi"]);
    let out = run(&["customers", "opt-out", "+919812345678"]);
    assert!(
        out.contains("opted out (all)") && out.contains("by operator"),
        "{out}"
    );
    let shown = run(&["customers", "show", "+919812345678"]);
    assert!(shown.contains("tags: wholesale"), "{shown}");
    assert!(shown.contains("consent: opted out (all)"), "{shown}");
    let back = run(&["customers", "opt-in", "+919812345678"]);
    assert!(back.contains("opted back in"), "{back}");
    let shown = run(&["customers", "show", "+919812345678"]);
    assert!(shown.contains("consent: subscribed"), "{shown}");

    let bad = campanile(
        dir.path(),
        &["customers", "tag", "+919812345678", "no way"],
        "",
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("letters, digits"),
        "{}",
        text(&bad.stderr)
    );
    let help = campanile(dir.path(), &["customers", "--help"], "");
    assert!(text(&help.stdout).contains("opt-out"));
}

#[test]
fn faq_check_names_the_wrong_field_and_faq_ask_answers_as_the_bot_would() {
    let dir = tempfile::tempdir().unwrap();
    let faq = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_campanile"))
            .arg("faq")
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("CAMPANILE_CONFIG")
            .env_remove("CAMPANILE_FAQ")
            .env_remove("CAMPANILE_LANGUAGE")
            .env_remove("CAMPANILE_LLM_URL")
            .env_remove("CAMPANILE_LLM_MODEL")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };

    // The demo FAQ (CAMPANILE_FAQ unset) passes, with its languages counted.
    let out = faq(&["check"]);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}\n{}", text(&out.stderr));
    assert!(shown.contains("6 entries: en 6, hi 6"), "{shown}");
    assert!(shown.contains("opening-hours"), "{shown}");

    // A wrong entry: refused with the field, in one line, exit 1.
    let bad = dir.path().join("faq.toml");
    std::fs::write(
        &bad,
        "[[faq]]\nid = \"hours\"\n[faq.en]\nquestions = [\"When are you open?\"]\nanswer = \"9 to 7\"\n\n\
         [[faq]]\nid = \"delivery\"\n[faq.en]\nquestions = [\"Do you deliver?\"]\nanswer = \"Yes\"\n\
         [faq.hi]\nquestions = [\"डिलीवरी?\"]\nanswer = \" \"\n",
    )
    .unwrap();
    let out = faq(&["check", bad.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.trim(),
        format!("Error: {}: faq[1].hi.answer: empty", bad.display()),
        "the field, no backtrace, no panic"
    );
    // Not TOML: the line.
    std::fs::write(&bad, "[[faq]]\nid = \"hours\"\n[faq.en\n").unwrap();
    let out = faq(&["check", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("line 3"),
        "{}",
        text(&out.stderr)
    );

    // A question the FAQ answers, in English and in Hindi.
    let out = faq(&["ask", "When are you open?"]);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}\n{}", text(&out.stderr));
    assert!(
        shown.contains("answer: We're open Monday to Saturday, 9 am to 7 pm"),
        "{shown}"
    );
    assert!(shown.contains("reason: faq_match"), "{shown}");
    assert!(shown.contains("1.00  opening-hours"), "{shown}");
    let out = faq(&["ask", "--language", "hi", "When are you open?"]);
    let shown = text(&out.stdout);
    assert!(shown.contains("सोमवार से शनिवार"), "{shown}");

    // One it does not: the offer of a person, and why.
    let out = faq(&["ask", "quantum physics"]);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}\n{}", text(&out.stderr));
    assert!(
        shown.contains("no answer: the customer is offered a person"),
        "{shown}"
    );
    assert!(shown.contains("reason: no_model"), "{shown}");

    let help = text(&faq(&["ask", "--help"]).stdout);
    assert!(
        help.contains("offered a person") && help.contains("scores"),
        "{help}"
    );
    let help = text(&faq(&["check", "--help"]).stdout);
    assert!(help.contains("faq[2].hi.answer: empty"), "{help}");
}
