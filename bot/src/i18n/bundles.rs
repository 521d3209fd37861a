//! Loading: the `.ftl` files under `bot/locales/<language>/`, embedded at
//! compile time, parsed into one Fluent bundle per language.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentError, FluentResource, FluentValue};
use fluent_syntax::ast;
use framework::locale::{Locale, LocaleError};
use unic_langid::LanguageIdentifier;

use super::format::Grouping;

/// Every language directory under `bot/locales/`, embedded in the binary
/// (a `.ftl` file added there is picked up by the next build: `build.rs`).
static LOCALES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/locales");

/// Why the bundles could not be loaded: each names the file or message to
/// fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum I18nError {
    /// A directory under `locales/` whose name is not a language tag.
    #[error("locales/{dir}: the directory's name is not a language tag (like \"hi\" or \"en-IN\")")]
    Language {
        /// The directory's name.
        dir: String,
    },
    /// A `.ftl` file outside a language's directory.
    #[error("locales/{file}: put it in its language's directory (locales/<language>/)")]
    Stray {
        /// The file's path under `locales/`.
        file: String,
    },
    /// A file that is not UTF-8.
    #[error("locales/{file}: not UTF-8")]
    NotUtf8 {
        /// The file's path under `locales/`.
        file: String,
    },
    /// A file Fluent cannot parse.
    #[error("locales/{file}:{line}: {problem}")]
    Syntax {
        /// The file's path under `locales/`.
        file: String,
        /// The line of the first entry with a mistake (from 1).
        line: usize,
        /// What is wrong there.
        problem: String,
    },
    /// A message defined twice in one language (in one file or two).
    #[error("locales/{file}: the message {id:?} is defined again (each id once per language)")]
    Duplicate {
        /// The file with the second definition.
        file: String,
        /// The message's id.
        id: String,
    },
    /// A language without its `language-name` message.
    #[error(
        "locales/{language}: no `language-name` message (the language's own name, as \"हिन्दी\")"
    )]
    NoLanguageName {
        /// The language's directory.
        language: String,
    },
    /// A `number-grouping` message that is neither `indian` nor `plain`.
    #[error("locales/{language}: `number-grouping` is {value:?}; use \"indian\" or \"plain\"")]
    Grouping {
        /// The language's directory.
        language: String,
        /// What it says.
        value: String,
    },
    /// No bundle for the default language.
    #[error("no bundle for the default language {default}: add locales/{default}/")]
    NoDefault {
        /// The default language.
        default: Locale,
    },
}

/// One `.ftl` file: its language (the directory's name), its path under
/// `locales/` and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source<'a> {
    pub(crate) language: &'a str,
    pub(crate) file: String,
    pub(crate) text: &'a str,
}

/// The embedded files, in path order.
pub(crate) fn embedded() -> Result<Vec<Source<'static>>, I18nError> {
    let path = |p: &std::path::Path| p.display().to_string();
    if let Some(stray) = LOCALES
        .files()
        .find(|f| f.path().extension().is_some_and(|e| e == "ftl"))
    {
        return Err(I18nError::Stray {
            file: path(stray.path()),
        });
    }
    let mut out = Vec::new();
    for dir in LOCALES.dirs() {
        let language = dir.path().to_str().ok_or_else(|| I18nError::Language {
            dir: path(dir.path()),
        })?;
        for file in dir
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "ftl"))
        {
            let text = file.contents_utf8().ok_or_else(|| I18nError::NotUtf8 {
                file: path(file.path()),
            })?;
            out.push(Source {
                language,
                file: path(file.path()),
                text,
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

/// One language's messages.
pub(crate) struct Bundle {
    /// The directory's tag.
    pub(crate) locale: Locale,
    /// Its `language-name`.
    pub(crate) name: String,
    /// Its `number-grouping`.
    pub(crate) grouping: Grouping,
    /// Every message id, with the file that defines it.
    pub(crate) ids: BTreeMap<String, String>,
    fluent: FluentBundle<FluentResource>,
}

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bundle")
            .field("locale", &self.locale)
            .field("name", &self.name)
            .field("messages", &self.ids.len())
            .finish_non_exhaustive()
    }
}

/// A message that formatted, perhaps with mistakes (an argument it names
/// but was not given, a message it references that does not exist): the
/// text Fluent made of it anyway, and the mistakes.
pub(crate) struct Formatted {
    pub(crate) text: String,
    pub(crate) errors: Vec<FluentError>,
}

impl Bundle {
    /// The bundle of one language from its files.
    pub(crate) fn build(language: &str, files: &[Source<'_>]) -> Result<Self, I18nError> {
        let bad_language = |_| I18nError::Language {
            dir: language.to_owned(),
        };
        let locale = Locale::parse(language).map_err(|_: LocaleError| bad_language(()))?;
        let id: LanguageIdentifier = language.parse().map_err(|_| bad_language(()))?;
        let mut fluent = FluentBundle::new_concurrent(vec![id]);
        // WhatsApp shows the isolation marks Fluent puts around arguments
        // as stray characters: none.
        fluent.set_use_isolating(false);
        let mut ids = BTreeMap::new();
        for source in files {
            let resource =
                FluentResource::try_new(source.text.to_owned()).map_err(|(_, errors)| {
                    let first = errors.first();
                    // The line of the entry with the mistake (the mistake
                    // itself may be reported at the end of the file).
                    let at = first.map_or(0, |e| e.slice.as_ref().unwrap_or(&e.pos).start);
                    I18nError::Syntax {
                        file: source.file.clone(),
                        line: source.text[..at.min(source.text.len())]
                            .matches('\n')
                            .count()
                            + 1,
                        problem: first.map_or_else(String::new, ToString::to_string),
                    }
                })?;
            for entry in resource.entries() {
                if let ast::Entry::Message(message) = entry {
                    ids.insert(message.id.name.to_owned(), source.file.clone());
                }
            }
            fluent.add_resource(resource).map_err(|errors| {
                let id = errors.iter().find_map(|e| match e {
                    FluentError::Overriding { id, .. } => Some(id.clone()),
                    _ => None,
                });
                I18nError::Duplicate {
                    file: source.file.clone(),
                    id: id.unwrap_or_default(),
                }
            })?;
        }
        let mut bundle = Self {
            locale,
            name: String::new(),
            grouping: Grouping::default(),
            ids,
            fluent,
        };
        bundle.name = bundle
            .format("language-name", None)
            .map(|f| f.text)
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| I18nError::NoLanguageName {
                language: language.to_owned(),
            })?;
        if let Some(value) = bundle.format("number-grouping", None).map(|f| f.text) {
            bundle.grouping = Grouping::parse(&value).ok_or_else(|| I18nError::Grouping {
                language: language.to_owned(),
                value,
            })?;
        }
        Ok(bundle)
    }

    /// Message `id` with `args`; `None` when the bundle has no such message.
    pub(crate) fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> Option<Formatted> {
        let pattern = self.fluent.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = self.fluent.format_pattern(pattern, args, &mut errors);
        let text = match text {
            Cow::Borrowed(text) => text.to_owned(),
            Cow::Owned(text) => text,
        };
        #[cfg(test)]
        tests_only::record(&self.locale, id, &errors);
        Some(Formatted { text, errors })
    }
}

/// `args` as Fluent takes them.
pub(crate) fn fluent_args<'a>(args: &'a [(&'a str, FluentValue<'a>)]) -> Option<FluentArgs<'a>> {
    if args.is_empty() {
        return None;
    }
    let mut out = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        out.set(*name, value.clone());
    }
    Some(out)
}

/// What the tests check: every message formatted, and with what mistakes.
#[cfg(test)]
pub(crate) mod tests_only {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use fluent_bundle::FluentError;
    use framework::locale::Locale;

    thread_local! {
        static FORMATTED: RefCell<BTreeMap<(String, String), Vec<String>>> =
            const { RefCell::new(BTreeMap::new()) };
    }

    pub(crate) fn record(locale: &Locale, id: &str, errors: &[FluentError]) {
        FORMATTED.with(|f| {
            f.borrow_mut()
                .entry((locale.as_str().to_owned(), id.to_owned()))
                .or_default()
                .extend(errors.iter().map(ToString::to_string));
        });
    }

    /// (language, id) → the mistakes of every time it was formatted on
    /// this thread.
    pub(crate) fn formatted() -> BTreeMap<(String, String), Vec<String>> {
        FORMATTED.with(|f| f.borrow().clone())
    }
}
