//! [`LanguageLayer`]: reads the customer's language once per message and
//! puts it on the message as a [`Locale`]; offers the choice on first
//! contact and after "language"; records a pick.

use std::sync::Arc;

use features::customers::{ConsentKeywords, GetDetails, Language, OfferLanguage, SetLanguage};
use features::shared::CustomerPhone;
use framework::locale::Locale;
use framework::reply::Reply;
use framework::session::Session;
use framework::{BoxError, Content, InboundMessage, Response};
use tower::{Layer, Service};

use super::{Words, picker};
use crate::i18n::Texts;
use crate::services::Customers;
use crate::step::{StepService, TurnStep};
use infra_sql::messages::{InboundStatus, MessageQueries, MessageStatus};

/// The session key of the first message, kept while the customer picks a
/// language.
const PENDING: &str = "campanile.language.pending";

/// The session key set while the choice is shown: only then does a typed
/// name ("Hindi") pick a language (else it may answer a form's question).
const SHOWN: &str = "campanile.language.shown";

/// Puts the customer's [`Locale`] on each message; see the
/// [module docs](super).
#[derive(Debug, Clone)]
pub struct LanguageLayer {
    customers: Arc<Customers>,
    texts: Texts,
    words: Arc<Words>,
    consent_words: Arc<ConsentKeywords>,
    on_first_contact: bool,
    log: MessageQueries,
}

impl LanguageLayer {
    /// Whether a new customer's first message gets the choice of language
    /// (default) or only "language" shows it.
    #[must_use]
    pub fn on_first_contact(mut self, offer: bool) -> Self {
        self.on_first_contact = offer;
        self
    }

    /// Languages from `texts`, remembered through `customers`; a message
    /// that is one of `consent_words` is never held up by the choice; `log`
    /// tells a customer who wrote before this version from a new one.
    #[must_use]
    pub fn new(
        customers: Arc<Customers>,
        texts: Texts,
        consent_words: Arc<ConsentKeywords>,
        log: MessageQueries,
    ) -> Self {
        Self {
            log,
            customers,
            words: Arc::new(Words::of(&texts)),
            texts,
            consent_words,
            on_first_contact: true,
        }
    }
}

impl<S> Layer<S> for LanguageLayer {
    type Service = LanguageService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StepService::new(self.clone(), inner)
    }
}

/// See [`LanguageLayer`].
pub type LanguageService<S> = StepService<LanguageLayer, S>;

impl LanguageLayer {
    /// Whether an earlier message of the customer's was handled (this one
    /// is still `received`).
    async fn wrote_before(&self, customer: &CustomerPhone) -> Result<bool, BoxError> {
        let earlier = self
            .log
            .recent_in(
                Some(customer.as_str()),
                Some(MessageStatus::In(InboundStatus::Handled)),
                1,
            )
            .await?;
        Ok(!earlier.is_empty())
    }
}

impl TurnStep for LanguageLayer {
    async fn run<S>(&self, mut inner: S, mut msg: InboundMessage) -> Result<Response, BoxError>
    where
        S: Service<InboundMessage, Response = Response> + Send,
        S::Error: Into<BoxError>,
        S::Future: Send,
    {
        let texts = &self.texts;
        let Ok(customer) = CustomerPhone::parse(msg.key().customer().as_str()) else {
            msg.extensions_mut().insert(texts.default_locale().clone());
            return inner.call(msg).await.map_err(Into::into);
        };
        let details = self
            .customers
            .details(GetDetails {
                customer: customer.clone(),
            })
            .await?;
        let chosen = details
            .language
            .as_ref()
            .and_then(|l| Locale::parse(l.as_str()).ok())
            .map(|l| texts.resolve(&l));

        let session = msg.extensions().get::<Session>().cloned();
        let shown = session.as_ref().is_some_and(|s| s.contains_key(SHOWN));
        if let Some(locale) = self.words.picked(texts, &msg, shown) {
            let locale = texts.resolve(&locale);
            if let Some(session) = &session {
                session.remove(SHOWN);
            }
            self.customers
                .set_language(SetLanguage {
                    customer,
                    language: Language::parse(locale.as_str())?,
                })
                .await?;
            let done = Reply::text(texts.get(&locale, "language-set", &[]));
            msg.extensions_mut().insert(locale);
            // What they wrote before picking is answered now, in their
            // language.
            let pending = msg.extensions().get::<Session>().and_then(|session| {
                let text = session.get::<String>(PENDING).ok().flatten();
                session.remove(PENDING);
                text
            });
            let Some(text) = pending else {
                return Ok(Response::reply(done));
            };
            msg.set_content(Content::Text { body: text });
            let response = inner.call(msg).await.map_err(Into::into)?;
            return Ok(Response::from_replies(
                std::iter::once(done).chain(response.into_replies()),
            ));
        }

        if self.words.asks(&msg) {
            if let Some(session) = &session {
                session.insert(SHOWN, &true)?;
            }
            return Ok(Response::reply(picker(texts, chosen.as_ref())?));
        }

        let consent = msg
            .text()
            .is_some_and(|t| self.consent_words.classify(t).is_some());
        // First contact: a text (a tap or a photo goes on: it cannot be
        // kept and answered later), from a customer never offered the
        // choice who never wrote before (customers of an earlier version
        // are not new).
        if self.on_first_contact
            && chosen.is_none()
            && details.language_offered_at_ms.is_none()
            && !consent
            && let (Some(text), Some(session)) = (msg.text(), &session)
            && !self.wrote_before(&customer).await?
            && self
                .customers
                .offer_language(OfferLanguage {
                    customer: customer.clone(),
                })
                .await?
        {
            session.insert(PENDING, text)?;
            session.insert(SHOWN, &true)?;
            return Ok(Response::reply(picker(texts, None)?));
        }

        msg.extensions_mut()
            .insert(chosen.unwrap_or_else(|| texts.default_locale().clone()));
        inner.call(msg).await.map_err(Into::into)
    }
}
