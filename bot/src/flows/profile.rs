//! The customer profile form ("register", and before the first order of a
//! customer who has none): name, business (optional), GSTIN (optional,
//! checked as the GST network checks it), delivery address, language;
//! then a summary to confirm. The profile goes on the customer's invoices.
//!
//! Every question, refusal and button comes from the shop's texts through
//! the form's localizer (`profile-*` and `form-*` messages), in the
//! language of the message; a GSTIN is refused with a `gstin-*` message
//! saying what is wrong.

use std::time::Duration;

use features::customers::{GetDetails, Language, RegisterCustomer, Registration, SetLanguage};
use features::orders::CustomerOrders;
use features::shared::{CustomerPhone, Gstin, GstinError};
use framework::clock::Clock;
use framework::conversation::Conversation;
use framework::form::{Answers, Field, Form, FormError};
use framework::handler::State;
use framework::locale::Locale;
use framework::reply::Reply;
use framework::{BoxError, ConversationKey, InboundMessage, Response};
use serde::Deserialize;

use super::{Shop, ShopFlow};
use crate::i18n::Texts;

/// The words that start the form (the bundles add theirs:
/// `profile-start-words`).
pub const START_WORDS: [&str; 4] = ["register", "profile", "my profile", "update profile"];

/// The form's answers.
#[derive(Debug, Clone, Deserialize)]
pub struct ProfileAnswers {
    name: String,
    business: Option<String>,
    gstin: Option<String>,
    address: String,
    language: String,
}

/// The Fluent id that says what is wrong with a GSTIN.
fn gstin_refusal(e: &GstinError) -> &'static str {
    match e {
        GstinError::Length(_) => "gstin-length",
        GstinError::StateCode => "gstin-state",
        GstinError::Pan => "gstin-pan",
        GstinError::Entity => "gstin-entity",
        GstinError::Check => "gstin-check",
    }
}

/// The profile form, its texts from `texts`, its clock `clock`.
///
/// # Errors
///
/// [`FormError`] if the definition is refused (a bug).
pub fn form(texts: &Texts, clock: Clock) -> Result<Form<ProfileAnswers>, FormError> {
    let language = Field::one_of(
        "language",
        "Which language should we use?",
        texts
            .languages()
            .into_iter()
            .map(|(locale, name)| (locale.as_str().to_owned(), name)),
    );
    Form::builder("profile")
        .start_on(START_WORDS)
        .clock(clock)
        .expire_after(Duration::from_secs(30 * 60))
        .field(
            Field::text("name", "What's your name?")
                .length(2..=80)
                .label("Name"),
        )
        .field(
            Field::text("business", "Your business's name?")
                .length(2..=120)
                .label("Business")
                .optional(),
        )
        .field(
            Field::custom(
                "gstin",
                "Your business's GSTIN (15 characters)?",
                |answer| {
                    Gstin::parse(answer)
                        .map(|g| g.as_str().to_owned())
                        .map_err(|e| gstin_refusal(&e))
                },
            )
            .label("GSTIN")
            .optional(),
        )
        .field(
            Field::text("address", "Your delivery address?")
                .length(5..=200)
                .label("Address"),
        )
        .field(language.label("Language"))
        .summary()
        .localizer(texts.clone())
        .build()
}

fn customer(key: &ConversationKey) -> Result<CustomerPhone, BoxError> {
    CustomerPhone::parse(key.customer().as_str()).map_err(Into::into)
}

/// Whether the customer has a profile.
pub(super) async fn registered(shop: &Shop, key: &ConversationKey) -> Result<bool, BoxError> {
    let details = shop
        .customers
        .details(GetDetails {
            customer: customer(key)?,
        })
        .await?;
    Ok(details.registration.is_some())
}

/// Starts the form before a first order: a word on why, then its first
/// question, in the customer's language.
pub(super) fn start_before_order(
    shop: &Shop,
    form: &Form<ProfileAnswers>,
    msg: &InboundMessage,
    locale: &Locale,
) -> Result<Vec<Reply>, BoxError> {
    let why = Reply::text(shop.texts.get(locale, "profile-before-first-order", &[]));
    let first = form.start_for(msg)?;
    Ok(std::iter::once(why).chain(first.into_replies()).collect())
}

/// The form's answers confirmed: the profile is stored, the language
/// remembered, and an order waiting for the profile is shown again.
pub(super) async fn save(
    State(shop): State<Shop>,
    Answers(answers): Answers<ProfileAnswers>,
    key: ConversationKey,
    flow: Conversation<ShopFlow>,
    msg: InboundMessage,
) -> Result<Response, BoxError> {
    let customer = customer(&key)?;
    let gstin = answers.gstin.as_deref().map(Gstin::parse).transpose()?;
    let registration = Registration::new(
        &answers.name,
        answers.business.as_deref(),
        gstin,
        &answers.address,
    )?;
    shop.customers
        .register(RegisterCustomer {
            customer: customer.clone(),
            registration,
        })
        .await?;
    let locale = Locale::parse(&answers.language)?;
    shop.customers
        .set_language(SetLanguage {
            customer,
            language: Language::parse(locale.as_str())?,
        })
        .await?;
    let name = answers.name.trim().to_owned();
    let mut replies = vec![Reply::text(shop.texts.get(
        &locale,
        "profile-saved",
        &[("name", name.into())],
    ))];
    if let ShopFlow::Reviewing { quote, .. } = flow.get() {
        let say = shop.texts.say(&locale);
        replies.extend(super::handlers::summary_replies(
            &say,
            &quote,
            msg.provider(),
        )?);
    }
    Ok(Response::from_replies(replies))
}

/// The replies of a new cart, unless it is the first order of a customer
/// without a profile: then the profile form first (the order waits in the
/// cart and is shown again after it).
pub(super) async fn first(
    shop: &Shop,
    flow: &Conversation<ShopFlow>,
    msg: &InboundMessage,
    locale: &Locale,
    cart: &str,
    replies: Vec<Reply>,
) -> Result<Vec<Reply>, BoxError> {
    let new_cart = matches!(flow.get(), ShopFlow::Reviewing { cart: c, .. } if c == cart);
    if new_cart
        && shop.profile_before_first_order
        && first_order_unregistered(shop, msg.key()).await?
    {
        return start_before_order(shop, &shop.profile, msg, locale);
    }
    Ok(replies)
}

/// Whether the customer has no profile and no order yet.
async fn first_order_unregistered(shop: &Shop, key: &ConversationKey) -> Result<bool, BoxError> {
    if registered(shop, key).await? {
        return Ok(false);
    }
    let earlier = shop
        .orders
        .customer_orders(CustomerOrders {
            customer: customer(key)?,
            limit: 1,
        })
        .await?;
    Ok(earlier.is_empty())
}
