//! `campanile faq check|ask`: the FAQ the support responder answers from
//! (`CAMPANILE_FAQ`, or the demo shop's), checked as the bot reads it, and
//! asked as a customer would ask it. Nothing is sent or stored, and no
//! database is opened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use features::support::{AskSupport, Faq, FaqHit, Language, SupportAnswer, Thresholds};

use crate::config::Settings;

/// How many FAQ matches `faq ask` shows.
const MATCHES: usize = 3;

/// `faq`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check an FAQ file (TOML, `[[faq]]` entries; see
    /// docs/examples/faq.toml) as the bot reads it at start, and print its
    /// entries per language. A wrong file is refused with its first
    /// mistake, naming the field (`faq[2].hi.answer: empty`; entries count
    /// from 0) or the line, and the command exits 1.
    Check {
        /// The file [default: CAMPANILE_FAQ, else the demo shop's FAQ].
        file: Option<PathBuf>,
    },
    /// Ask a question as a customer would and see what the bot answers:
    /// the FAQ's answer, the language model's (asked as the bot asks it
    /// when CAMPANILE_LLM_URL and CAMPANILE_LLM_MODEL are set), or none
    /// (the customer is offered a person); the reason (faq_match,
    /// model_answered, no_model, …); and the FAQ's best matches with their
    /// scores, to tune its questions. Nothing is sent or stored.
    Ask {
        /// The customer's message.
        question: String,
        /// The customer's language, a tag such as en, hi or en-IN
        /// [default: CAMPANILE_LANGUAGE].
        #[arg(long, value_name = "TAG", value_parser = parse_language)]
        language: Option<Language>,
        /// The FAQ file [default: CAMPANILE_FAQ, else the demo shop's FAQ].
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

fn parse_language(tag: &str) -> Result<Language, String> {
    Language::parse(tag).map_err(|e| e.to_string())
}

/// Runs a `faq` subcommand.
///
/// # Errors
///
/// An FAQ file that cannot be read or is wrong (the message names the
/// field or the line), a CAMPANILE_LANGUAGE that is no language tag, or
/// language model settings that cannot make a client.
pub async fn run(mut settings: Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Check { file } => {
            if file.is_some() {
                settings.support.faq = file;
            }
            let faq = read(&settings)?;
            println!("{}: valid", name(settings.support.faq.as_deref()));
            print!("{}", summary(&faq));
            Ok(())
        }
        Command::Ask {
            question,
            language,
            file,
        } => {
            if file.is_some() {
                settings.support.faq = file;
            }
            let language = match language {
                Some(language) => language,
                None => Language::parse(&settings.support.language)
                    .map_err(|e| anyhow::anyhow!("CAMPANILE_LANGUAGE: {e}"))?,
            };
            // Read first for an error naming the file; then the responder
            // exactly as the server builds it.
            read(&settings)?;
            let support =
                crate::services::support(&settings).map_err(|e| anyhow::anyhow!("{e:#}"))?;
            let answer = support
                .answer(AskSupport {
                    question: question.clone(),
                    language: language.clone(),
                })
                .await;
            let model = settings
                .llm
                .client_config()
                .map(|config| config.model().to_owned());
            let top = support.faq().top(&question, &language, MATCHES);
            print!(
                "{}",
                report(&answer, model.as_deref(), &top, support.faq().thresholds())
            );
            Ok(())
        }
    }
}

/// What the FAQ file is called in messages: its path, or the demo's.
fn name(path: Option<&Path>) -> String {
    path.map_or_else(
        || "the demo FAQ (docs/examples/faq.toml; CAMPANILE_FAQ is not set)".to_owned(),
        |path| path.display().to_string(),
    )
}

/// The FAQ the settings name, read and checked; the error is one line
/// naming the file and the field or line.
fn read(settings: &Settings) -> anyhow::Result<Faq> {
    let path = settings.support.faq.as_deref();
    let text = settings
        .support
        .faq_text()
        .map_err(|e| anyhow::anyhow!("cannot read the FAQ {}: {e}", name(path)))?;
    Faq::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", name(path)))
}

/// `6 entries: en 6, hi 6`, then each entry's languages and question
/// counts, then which entries lack a language the others have.
fn summary(faq: &Faq) -> String {
    let entries = faq.entries();
    let mut per_language: BTreeMap<&Language, usize> = BTreeMap::new();
    for entry in entries {
        for (language, _) in entry.languages() {
            *per_language.entry(language).or_default() += 1;
        }
    }
    let counts: Vec<String> = per_language
        .iter()
        .map(|(language, n)| format!("{language} {n}"))
        .collect();
    let mut out = format!(
        "{} {}: {}\n",
        entries.len(),
        if entries.len() == 1 {
            "entry"
        } else {
            "entries"
        },
        counts.join(", ")
    );
    let width = entries
        .iter()
        .map(|e| e.id().as_str().len())
        .max()
        .unwrap_or(0);
    for entry in entries {
        let languages: Vec<String> = entry
            .languages()
            .iter()
            .map(|(language, loc)| {
                let n = loc.questions().len();
                format!("{language} ({n} question{})", if n == 1 { "" } else { "s" })
            })
            .collect();
        out.push_str(&format!(
            "  {:<width$}  {}\n",
            entry.id().as_str(),
            languages.join(", ")
        ));
    }
    for language in per_language.keys() {
        let missing: Vec<&str> = entries
            .iter()
            .filter(|e| !e.languages().iter().any(|(l, _)| l == *language))
            .map(|e| e.id().as_str())
            .collect();
        if !missing.is_empty() {
            out.push_str(&format!(
                "not in {language}: {} (customers writing {language} get another language's answer)\n",
                missing.join(", ")
            ));
        }
    }
    out
}

/// What `faq ask` prints: the answer or the offer of a person, the reason,
/// the model, the best matches.
fn report(
    answer: &SupportAnswer,
    model: Option<&str>,
    top: &[FaqHit],
    thresholds: Thresholds,
) -> String {
    let mut out = match answer.text() {
        Some(text) => format!("answer: {text}\n"),
        None => "no answer: the customer is offered a person\n".to_owned(),
    };
    match answer {
        SupportAnswer::Faq { hit, .. } => out.push_str(&format!(
            "from:   FAQ {} ({}), score {:.2}\n",
            hit.id, hit.language, hit.score
        )),
        SupportAnswer::Model { sources, .. } => {
            let sources: Vec<&str> = sources.iter().map(|id| id.as_str()).collect();
            out.push_str(&format!(
                "from:   the language model, based on FAQ {}\n",
                sources.join(", ")
            ));
        }
        _ => {}
    }
    out.push_str(&format!("reason: {}\n", answer.reason().as_str()));
    out.push_str(&match model {
        Some(model) => format!(
            "model:  {model} (asked when no FAQ entry scores {:.2} or more)\n",
            thresholds.answer()
        ),
        None => {
            "model:  none (CAMPANILE_LLM_URL and CAMPANILE_LLM_MODEL are not both set)\n".to_owned()
        }
    });
    if top.is_empty() {
        out.push_str("best FAQ matches: none (no FAQ question shares a word with it)\n");
        return out;
    }
    out.push_str(&format!(
        "best FAQ matches ({:.2} or more answers by itself; {:.2} or more when the model does not answer):\n",
        thresholds.answer(),
        thresholds.maybe()
    ));
    let width = top.iter().map(|h| h.id.as_str().len()).max().unwrap_or(0);
    for hit in top {
        let verdict = if hit.score >= thresholds.answer() {
            "answers by itself"
        } else if hit.score >= thresholds.maybe() {
            "answers when the model does not"
        } else {
            "too weak"
        };
        out.push_str(&format!(
            "  {:.2}  {:<width$}  {verdict}\n",
            hit.score,
            hit.id.as_str()
        ));
    }
    out
}
