//! [`HandoffLayer`]: the bot stays quiet for a customer handed to a person.

use std::sync::Arc;

use features::customers::{ConsentKeyword, ConsentKeywords};
use features::handoff::{
    NoteCustomerMessage, OpenHandoffFor, ReleaseHandoff, ReleaseReason, Released,
};
use features::shared::CustomerPhone;
use framework::locale::Locale;
use framework::reply::Reply;
use framework::{BoxError, InboundMessage, Response};
use tower::{Layer, Service};

use crate::step::{StepService, TurnStep};

use crate::i18n::Texts;
use crate::services::Handoffs;

/// Keeps the bot quiet while a person has the conversation; see the
/// [module docs](super).
#[derive(Debug, Clone)]
pub struct HandoffLayer {
    handoffs: Arc<Handoffs>,
    texts: Texts,
    consent_words: Arc<ConsentKeywords>,
    bot_words: Arc<Vec<String>>,
}

impl HandoffLayer {
    /// Handoffs in `handoffs`; a consent word still reaches the shop, and
    /// `handoff-bot-words` (from `texts`) give the conversation back.
    #[must_use]
    pub fn new(handoffs: Arc<Handoffs>, texts: Texts, consent_words: Arc<ConsentKeywords>) -> Self {
        Self {
            bot_words: Arc::new(texts.words_everywhere("handoff-bot-words")),
            handoffs,
            texts,
            consent_words,
        }
    }
}

impl<S> Layer<S> for HandoffLayer {
    type Service = HandoffService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StepService::new(self.clone(), inner)
    }
}

/// See [`HandoffLayer`].
pub type HandoffService<S> = StepService<HandoffLayer, S>;

impl TurnStep for HandoffLayer {
    async fn run<S>(&self, mut inner: S, msg: InboundMessage) -> Result<Response, BoxError>
    where
        S: Service<InboundMessage, Response = Response> + Send,
        S::Error: Into<BoxError>,
        S::Future: Send,
    {
        let layer = self;
        let Ok(customer) = CustomerPhone::parse(msg.key().customer().as_str()) else {
            return inner.call(msg).await.map_err(Into::into);
        };
        let open = layer
            .handoffs
            .open_for(OpenHandoffFor {
                customer: customer.clone(),
            })
            .await?;
        if open.is_none() {
            return inner.call(msg).await.map_err(Into::into);
        }
        // STOP and START are the customer's right whoever has the
        // conversation: the shop records them and answers. CANCEL and
        // YES are words for the person here (the shop would discard or
        // place an order on them).
        let consent = msg
            .text()
            .and_then(|t| layer.consent_words.classify(t))
            .is_some_and(|k| {
                let (ConsentKeyword::OptOut(word) | ConsentKeyword::OptIn(word)) = k;
                word != "CANCEL" && word != "YES"
            });
        if consent {
            return inner.call(msg).await.map_err(Into::into);
        }
        let typed = msg.text().map(framework::handler::normalize_text);
        if typed.is_some_and(|t| layer.bot_words.contains(&t)) {
            let released = layer
                .handoffs
                .release(ReleaseHandoff {
                    customer,
                    reason: ReleaseReason::ByCustomer,
                })
                .await?;
            if let Released::Released(_) = released {
                let locale = Locale::of(&msg)
                    .cloned()
                    .unwrap_or_else(|| layer.texts.default_locale().clone());
                let notice =
                    super::released_notice(&layer.texts, &locale, ReleaseReason::ByCustomer);
                return Ok(Response::reply(Reply::text(notice)));
            }
            return inner.call(msg).await.map_err(Into::into);
        }
        // A person answers: the message is in the log already; the
        // handoff notes it (the idle clock starts again) and the bot
        // says nothing.
        layer
            .handoffs
            .note_customer_message(NoteCustomerMessage { customer })
            .await?;
        Ok(Response::empty())
    }
}
