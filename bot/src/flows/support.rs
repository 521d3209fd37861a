//! Questions that are not orders, and the way to a person.
//!
//! A message that orders nothing the catalog knows goes to the support
//! responder ([`features::support`]): the FAQ first, then the language
//! model where one is configured. Its answer is sent as it is; when it has
//! none, the customer is offered a person (buttons). "Talk to a person"
//! (any bundled language's `handoff-words`) or taking the offer opens a
//! handoff ([`crate::handoff`]): the customer is told, and the bot is quiet
//! until the conversation comes back.

use features::catalog::{Quote, QuoteProblem};
use features::handoff::{HandoffReason, OpenHandoff};
use features::shared::CustomerPhone;
use features::support::{AskSupport, Reason, SupportAnswer};
use framework::handler::State;
use framework::locale::Locale;
use framework::reply::{Buttons, Reply};
use framework::session::Session;
use framework::{BoxError, ConversationKey, InboundMessage};

use super::Shop;

/// Choice ids of the handoff offer.
pub mod ids {
    /// Take the offer: a person answers.
    pub const HANDOFF: &str = "handoff";
    /// Decline it.
    pub const NO_HANDOFF: &str = "handoff-no";
}

/// The session key of the question the bot could not answer, kept while
/// the offer of a person is shown (it goes to the person with the
/// handoff).
const QUESTION: &str = "campanile.support.question";

/// The responder's answer to `question`, in `locale`: its text, or the
/// offer of a person. `None`: the responder has no answer and no offer
/// should be made (the caller answers as before).
pub(super) async fn answer(
    shop: &Shop,
    msg: &InboundMessage,
    locale: &Locale,
    question: &str,
    offer: bool,
) -> Result<Option<Vec<Reply>>, BoxError> {
    let language = features::support::Language::parse(shop.texts.resolve(locale).as_str())?;
    let answer = shop
        .support
        .answer(AskSupport {
            question: question.to_owned(),
            language,
        })
        .await;
    metrics::counter!("campanile_support_answers_total", "reason" => answer.reason().as_str())
        .increment(1);
    match &answer {
        // Nothing to ask about ("??", an emoji): the caller's "didn't
        // understand", not a person.
        SupportAnswer::Unsure {
            reason: Reason::NoQuestion,
            ..
        } => Ok(None),
        SupportAnswer::Unsure { .. } if offer => {
            if let Some(session) = msg.extensions().get::<Session>() {
                session.insert(QUESTION, question)?;
            }
            Ok(Some(vec![offer_reply(shop, locale)?]))
        }
        _ => Ok(answer.text().map(|text| vec![Reply::text(text)])),
    }
}

/// "I'm not sure… talk to a person?" with its two buttons.
fn offer_reply(shop: &Shop, locale: &Locale) -> Result<Reply, BoxError> {
    let texts = &shop.texts;
    Ok(Buttons::builder(texts.get(locale, "handoff-offer", &[]))
        .button(ids::HANDOFF, texts.get(locale, "handoff-offer-yes", &[]))
        .button(ids::NO_HANDOFF, texts.get(locale, "handoff-offer-no", &[]))
        .build()?
        .into())
}

/// "Talk to a person", or the offer taken: a handoff opens (once), the
/// customer is told.
pub(super) async fn talk_to_person(
    State(shop): State<Shop>,
    key: ConversationKey,
    msg: InboundMessage,
    locale: Locale,
) -> Result<String, BoxError> {
    let customer = CustomerPhone::parse(key.customer().as_str())?;
    let offered = msg.choice_id() == Some(ids::HANDOFF);
    let question = msg.extensions().get::<Session>().and_then(|session| {
        let question = session.get::<String>(QUESTION).ok().flatten();
        session.remove(QUESTION);
        question
    });
    let reason = match question {
        Some(question) if offered => HandoffReason::Offered { question },
        _ => HandoffReason::CustomerAsked,
    };
    let opened = shop.handoffs.open(OpenHandoff { customer, reason }).await?;
    let id = if opened.is_new() {
        "handoff-opened"
    } else {
        "handoff-already"
    };
    Ok(shop.texts.get(&locale, id, &[]))
}

/// The offer declined.
pub(super) async fn decline(
    State(shop): State<Shop>,
    msg: InboundMessage,
    locale: Locale,
) -> String {
    if let Some(session) = msg.extensions().get::<Session>() {
        session.remove(QUESTION);
    }
    shop.texts.get(&locale, "handoff-declined", &[])
}

/// Whether a message the catalog matched nothing in reads as a question
/// rather than an order: no quantity anywhere ("unobtainium x 5" orders
/// something the shop lacks; "do you deliver to Pune" asks), and every
/// problem is "not understood" or "not found".
pub(super) fn is_a_question(text: &str, quote: &Quote) -> bool {
    let no_quantity = features::catalog::parse_request(text).map_or(true, |items| {
        items
            .iter()
            .all(|item| matches!(item.quantity, features::catalog::QuantitySpec::Missing))
    });
    no_quantity
        && quote.problems().iter().all(|p| {
            matches!(
                p,
                QuoteProblem::NotUnderstood | QuoteProblem::NotFound { .. }
            )
        })
}

/// Whether a question the responder cannot answer earns the offer of a
/// person: nothing in it is close to a product (else the product
/// suggestions answer better).
pub(super) fn offers_a_person(quote: &Quote) -> bool {
    quote.problems().iter().all(|p| match p {
        QuoteProblem::NotUnderstood => true,
        QuoteProblem::NotFound { suggestions, .. } => suggestions.is_empty(),
        _ => false,
    })
}
