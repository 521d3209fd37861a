//! The shop conversation: order from free text, review the summary, confirm
//! or cancel; list and cancel past orders.
//!
//! ```text
//! Idle ──"Cement x 100"──▶ Reviewing{quote} ──confirm──▶ Idle (order placed)
//!   │                        │  └──cancel──▶ Idle (cart discarded)
//!   │                        └──new order text──▶ Reviewing{new quote}
//!   └──"pipe x 3" (ambiguous)──▶ Choosing{phrase, options} ──pick──▶ Reviewing
//! ```
//!
//! The state lives in the session (`ShopFlow`), so a cart survives between
//! messages and expires with the session (`CAMPANILE_SESSION_TTL`, 24 h by
//! default): a customer who comes back later starts fresh.
//!
//! # Opt-out (STOP) and opt-in (START)
//!
//! A message that is exactly one consent word ([`ConsentKeywords`]: STOP,
//! STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; START, YES, UNSTOP; plus
//! `CAMPANILE_OPT_OUT_WORDS` / `CAMPANILE_OPT_IN_WORDS`) goes to
//! `consent_word` before any other route. Three of these words already
//! meant something in this conversation, so:
//!
//! - CANCEL with a cart open (reviewing or choosing) discards the cart, as
//!   before; with none it opts out, and the confirmation says how to cancel
//!   a placed order ("cancel order ORD-…") in case that was meant. (A
//!   tapped or typed "Cancel" button is a choice, never a keyword: the menu
//!   layer turns it into one first.)
//! - YES with a cart open confirms the order; otherwise it opts a customer
//!   who opted out back in, and confirms as before for one who did not.
//! - START opts a customer who opted out back in; for anyone else it is the
//!   greeting it always was.
//!
//! The other opt-out words always opt out (everything the shop starts:
//! campaigns, automations), and discard an open cart. Confirmed once: a
//! second STOP changes nothing, and the answer says briefly that they are
//! opted out already (never silence: a customer who gets no answer writes
//! again). Replies to the customer's own messages still go, and so do
//! invoice reminders unless they also said "stop reminders" (two words,
//! its own route). The opt-out commits with the turn's reply.

mod handlers;
pub mod profile;
pub mod support;

use features::catalog::{CatalogService, Quote, QuoteRequest, Sku};
use features::customers::{ConsentKeyword, ConsentKeywords};
use features::shared::Currency;
use framework::conversation::FlowState;
use framework::handler::{Router, RouterService};
use infra_shop::products::DbProductRepository;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where a customer is in ordering.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShopFlow {
    /// Nothing in progress.
    #[default]
    Idle,
    /// A summary was shown; waiting for confirm, edit or cancel.
    Reviewing {
        /// What the customer asked for (re-quoted after an edit).
        request: QuoteRequest,
        /// The summary shown, with the prices the customer agreed to.
        quote: Quote,
        /// The id of the message that made this cart: the order's
        /// idempotency key, so a retried "confirm" finds the same order.
        #[serde(default)]
        cart: String,
    },
    /// One product in the request matched several; the customer picks.
    Choosing {
        /// What the customer asked for.
        request: QuoteRequest,
        /// The words that matched several products.
        phrase: String,
        /// The candidates (SKU, name), as offered.
        options: Vec<(Sku, String)>,
    },
}

impl FlowState for ShopFlow {}

/// What the handlers need: the catalog and orders services over the
/// database.
#[derive(Debug, Clone)]
pub struct Shop {
    /// Quotes and the catalog.
    pub catalog: Arc<CatalogService<DbProductRepository>>,
    /// Orders (placing one enqueues its `process-order` job).
    pub orders: Arc<crate::services::Orders>,
    /// The shop's currency.
    pub currency: Currency,
    /// Background jobs ("invoice INV-…" sends it again).
    pub jobs: crate::jobs::Queue,
    /// Invoices.
    pub invoices: Arc<crate::services::Invoices>,
    /// Reminders ("stop reminders").
    pub reminders: Arc<crate::services::Reminders>,
    /// Customers' consent (STOP, START) and tags.
    pub customers: Arc<crate::services::Customers>,
    /// The single words that opt out or back in.
    pub consent_words: Arc<ConsentKeywords>,
    /// Automation rules (the pipeline runs the message rules before the
    /// conversation).
    pub rules: Arc<crate::services::Rules>,
    /// What the shop says, in each customer's language.
    pub texts: crate::i18n::Texts,
    /// Conversations handed to a person.
    pub handoffs: Arc<crate::services::Handoffs>,
    /// Answers to questions that are not orders.
    pub support: Arc<crate::services::Support>,
    /// The customer profile form ("register", and before a first order).
    pub profile: framework::form::Form<profile::ProfileAnswers>,
    /// Whether a customer without a profile fills it in before their
    /// first order (`CAMPANILE_PROFILE_BEFORE_FIRST_ORDER`).
    pub profile_before_first_order: bool,
    /// Whether a new customer is offered the choice of language on their
    /// first message (`CAMPANILE_LANGUAGE_ON_FIRST_CONTACT`).
    pub language_on_first_contact: bool,
}

/// Whether `form` runs in the message's session.
fn form_running<T>(form: &framework::form::Form<T>, msg: &framework::InboundMessage) -> bool {
    msg.extensions()
        .get::<framework::session::Session>()
        .is_some_and(|session| form.is_running(session))
}

/// Button and list ids the flow offers.
pub mod ids {
    /// Confirm the order in review.
    pub const CONFIRM: &str = "confirm";
    /// Ask to change the order in review.
    pub const EDIT: &str = "edit";
    /// Discard the order in review.
    pub const CANCEL: &str = "cancel";
    /// Prefix of a product pick: `pick:<SKU>`.
    pub const PICK: &str = "pick:";
}

/// The shop's router: commands first, then the state's handler, then order
/// text.
pub fn router(shop: Shop) -> RouterService<Shop> {
    let words = Arc::clone(&shop.consent_words);
    let form = shop.profile.clone();
    let to_a_person = shop.texts.words_everywhere("handoff-words");
    Router::new()
        // A single consent word, before every keyword that shares it
        // ("start" greets, "yes" confirms, "cancel" discards a cart):
        // `consent_word` decides which it means.
        .when(
            move |msg| match msg.text().and_then(|t| words.classify(t)) {
                // While the profile form runs, CANCEL cancels the form and
                // YES answers it (it confirms its summary): neither opts
                // anyone out or places an order. STOP still opts out.
                Some(ConsentKeyword::OptOut(word) | ConsentKeyword::OptIn(word))
                    if word == "CANCEL" || word == "YES" =>
                {
                    !form_running(&form, msg)
                }
                Some(_) => true,
                None => false,
            },
            handlers::consent_word,
        )
        // "talk to a person" wins over a running form (it is no answer).
        .keyword(
            to_a_person.iter().map(String::as_str),
            support::talk_to_person,
        )
        // The profile form: "register" starts it; while it runs, it takes
        // every message but those above.
        .form(shop.profile.clone(), profile::save)
        .choice([support::ids::HANDOFF], support::talk_to_person)
        .choice([support::ids::NO_HANDOFF], support::decline)
        .keyword(
            // ("start": see `consent_word`.)
            ["hi", "hello", "hey", "menu", "help", "namaste", "namaskar"],
            handlers::greet,
        )
        .prefix(["cancel order", "cancel ord"], handlers::cancel_order)
        .keyword(
            [
                "my orders",
                "orders",
                "order status",
                "my order",
                "status",
                "history",
            ],
            handlers::my_orders,
        )
        .keyword(
            [
                "stop reminders",
                "stop reminder",
                "no reminders",
                "no more reminders",
                "unsubscribe reminders",
            ],
            handlers::stop_reminders,
        )
        .keyword(
            ["start reminders", "resume reminders", "reminders on"],
            handlers::start_reminders,
        )
        .keyword(
            [
                "my invoices",
                "invoices",
                "my invoice",
                "invoice",
                "bills",
                "my bills",
            ],
            handlers::my_invoices,
        )
        // "invoice INV-00042" (after the bare "invoice", which lists them).
        .prefix(
            [
                "invoice",
                "inv",
                "resend invoice",
                "send invoice",
                "send my invoice",
            ],
            handlers::resend_invoice,
        )
        .choice([ids::CONFIRM], handlers::confirm)
        // Only clear yeses: "ok" or "ha" may be an acknowledgement or a laugh,
        // and an order placed by mistake is worse than asking again. ("yes":
        // see `consent_word`.)
        .keyword(
            [
                "confirm",
                "haan",
                "place order",
                "confirm order",
                "place it",
            ],
            handlers::confirm,
        )
        .choice([ids::CANCEL], handlers::discard)
        // ("cancel", "stop": see `consent_word`.)
        .keyword(
            [
                "no",
                "nahi",
                "discard",
                "cancel it",
                "cancel this",
                "cancel this order",
                "cancel my order",
            ],
            handlers::discard,
        )
        .choice([ids::EDIT], handlers::edit)
        .keyword(["edit", "change", "modify"], handlers::edit)
        .state(
            |s: &ShopFlow| matches!(s, ShopFlow::Choosing { .. }),
            handlers::pick,
        )
        .fallback(handlers::order_text)
        .with_state(shop)
}
