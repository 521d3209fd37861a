//! The guard: a model's reply is sent to a customer only if it is the JSON
//! object asked for, on topic, a non-empty answer under the cap, based on
//! at least one FAQ entry the model was given and on no other.

use serde::Deserialize;

use super::super::domain::FaqId;
use super::super::queries::Rejection;

/// The reply asked for. Other keys are ignored; these three must be there
/// with these types.
#[derive(Deserialize)]
struct Reply {
    answer: String,
    sources: Vec<String>,
    on_topic: bool,
}

/// A reply that passed: the answer (trimmed) and its sources (each once,
/// in the model's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Checked {
    pub(super) text: String,
    pub(super) sources: Vec<FaqId>,
}

/// Checks `reply` against the entries given as `context`.
pub(super) fn check(
    reply: &str,
    context: &[&FaqId],
    max_answer_chars: usize,
) -> Result<Checked, Rejection> {
    let json = unfenced(reply.trim());
    let reply: Reply = serde_json::from_str(json).map_err(|_| Rejection::NotJson)?;
    if !reply.on_topic {
        return Err(Rejection::OffTopic);
    }
    let text = reply.answer.trim();
    if text.is_empty() {
        return Err(Rejection::Empty);
    }
    if text.chars().count() > max_answer_chars {
        return Err(Rejection::TooLong);
    }
    if reply.sources.is_empty() {
        return Err(Rejection::NoSources);
    }
    let mut sources: Vec<FaqId> = Vec::with_capacity(reply.sources.len());
    for source in &reply.sources {
        let known = context
            .iter()
            .find(|id| id.as_str() == source.trim())
            .ok_or(Rejection::UnknownSource)?;
        if !sources.contains(known) {
            sources.push((*known).clone());
        }
    }
    Ok(Checked {
        text: text.to_owned(),
        sources,
    })
}

/// The JSON inside one Markdown code fence (```` ```json … ``` ````), which
/// some servers wrap replies in when they have no JSON mode; else `reply`.
fn unfenced(reply: &str) -> &str {
    reply
        .strip_prefix("```")
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(reply, |inner| {
            inner.strip_prefix("json").unwrap_or(inner).trim()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<FaqId> {
        ["opening-hours", "delivery"]
            .map(|id| FaqId::parse(id).unwrap())
            .to_vec()
    }

    fn check_(reply: &str) -> Result<Checked, Rejection> {
        let ids = ids();
        check(reply, &ids.iter().collect::<Vec<_>>(), 40)
    }

    #[test]
    fn a_json_reply_on_topic_with_known_sources_passes() {
        let checked = check_(
            r#"{"answer": " We deliver. ", "sources": ["delivery", "delivery"], "on_topic": true, "x": 1}"#,
        )
        .unwrap();
        assert_eq!(checked.text, "We deliver.");
        assert_eq!(checked.sources, [FaqId::parse("delivery").unwrap()]);
        let fenced =
            "```json\n{\"answer\": \"Yes\", \"sources\": [\"delivery\"], \"on_topic\": true}\n```";
        assert!(check_(fenced).is_ok());
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        for (reply, why) in [
            ("Sure! We deliver everywhere.", Rejection::NotJson),
            (
                r#"{"answer": "Yes", "sources": ["delivery"]}"#,
                Rejection::NotJson,
            ),
            (
                r#"{"answer": "Yes", "sources": ["delivery"], "on_topic": "true"}"#,
                Rejection::NotJson,
            ),
            (
                r#"{"answer": "Yes", "sources": ["delivery"], "on_topic": true} and more"#,
                Rejection::NotJson,
            ),
            (
                r#"{"answer": "Paris", "sources": ["delivery"], "on_topic": false}"#,
                Rejection::OffTopic,
            ),
            (
                r#"{"answer": "  ", "sources": ["delivery"], "on_topic": true}"#,
                Rejection::Empty,
            ),
            (
                r#"{"answer": "This answer is far longer than forty characters.", "sources": ["delivery"], "on_topic": true}"#,
                Rejection::TooLong,
            ),
            (
                r#"{"answer": "Yes", "sources": [], "on_topic": true}"#,
                Rejection::NoSources,
            ),
            (
                r#"{"answer": "Yes", "sources": ["delivery", "returns"], "on_topic": true}"#,
                Rejection::UnknownSource,
            ),
        ] {
            assert_eq!(check_(reply), Err(why), "{reply}");
        }
    }
}
