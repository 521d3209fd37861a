//! The support responder's test helpers: [`ScriptedModel`], a
//! [`LanguageModel`] that answers from a script and records what it was
//! asked, and [`SAMPLE_FAQ`], a small FAQ in English and Hindi.
//!
//! ```
//! use features::support::{AskSupport, Language, SupportAnswer, SupportConfig, SupportService};
//! use features::testing::support::{ScriptedModel, faq, json_reply};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let model = ScriptedModel::new().replying(json_reply("We deliver to Pune on Fridays.", &["delivery"], true));
//! let service = SupportService::new(faq(), SupportConfig::default()).with_model(model.clone());
//! let answer = service
//!     .answer(AskSupport { question: "any chance you ship out to Pune".to_owned(), language: Language::parse("en").unwrap() })
//!     .await;
//! assert!(matches!(answer, SupportAnswer::Model { .. }));
//! assert!(model.requests()[0].system.contains("[delivery]"));
//! # }
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::support::{Faq, LanguageModel, ModelError, ModelRequest};

/// A small FAQ in English and Hindi: `opening-hours`, `delivery`,
/// `payment`, `location`, `returns` (each in both) and `gst-invoice`
/// (English only).
pub const SAMPLE_FAQ: &str = r#"
[[faq]]
id = "opening-hours"
[faq.en]
questions = ["What are your opening hours?", "When are you open?", "What time do you open?"]
answer = "We're open Monday to Saturday, 9 am to 7 pm."
[faq.hi]
questions = ["दुकान कब खुलती है?", "आपका समय क्या है?"]
answer = "हम सोमवार से शनिवार, सुबह 9 से शाम 7 बजे तक खुले हैं।"

[[faq]]
id = "delivery"
[faq.en]
questions = ["Do you deliver?", "Do you do home delivery?"]
answer = "Yes, we deliver within 25 km of Nashik. Delivery is free on orders over ₹5,000."
[faq.hi]
questions = ["क्या आप डिलीवरी करते हैं?", "होम डिलीवरी है?"]
answer = "हाँ, हम नासिक के 25 किमी के अंदर डिलीवरी करते हैं। ₹5,000 से ऊपर के ऑर्डर पर डिलीवरी मुफ़्त है।"

[[faq]]
id = "payment"
[faq.en]
questions = ["How can I pay?", "Do you accept UPI?", "Which payment methods do you take?"]
answer = "UPI, cash or card at the counter; UPI or a bank transfer for deliveries."
[faq.hi]
questions = ["पेमेंट कैसे करें?", "क्या UPI चलता है?"]
answer = "काउंटर पर UPI, कैश या कार्ड; डिलीवरी के लिए UPI या बैंक ट्रांसफ़र।"

[[faq]]
id = "location"
[faq.en]
questions = ["Where is your shop?", "What is your address?"]
answer = "Shop 4, Main Road, Nashik 422001."
[faq.hi]
questions = ["दुकान कहाँ है?", "आपका पता क्या है?"]
answer = "दुकान 4, मेन रोड, नासिक 422001।"

[[faq]]
id = "returns"
[faq.en]
questions = ["Can I return an item?", "What is your return policy?"]
answer = "Unopened items can be returned within 7 days with the bill."
[faq.hi]
questions = ["क्या सामान वापस हो सकता है?"]
answer = "बिना खोला सामान बिल के साथ 7 दिन में वापस हो सकता है।"

[[faq]]
id = "gst-invoice"
[faq.en]
questions = ["Do you give a GST invoice?", "Can I get a GST bill?"]
answer = "Yes: give us your GSTIN when you order and the invoice shows it."
"#;

/// [`SAMPLE_FAQ`], read.
///
/// # Panics
///
/// Never: the sample is valid.
#[must_use]
pub fn faq() -> Faq {
    Faq::from_toml(SAMPLE_FAQ).expect("the sample FAQ is valid")
}

/// A reply in the format the responder asks for.
#[must_use]
pub fn json_reply(answer: &str, sources: &[&str], on_topic: bool) -> String {
    serde_json::json!({ "answer": answer, "sources": sources, "on_topic": on_topic }).to_string()
}

/// A [`LanguageModel`] that answers from a script, in order, and records
/// every request. With the script spent it answers
/// [`ModelError::Down`]. Clones share the script and the record.
#[derive(Debug, Clone, Default)]
pub struct ScriptedModel {
    inner: Arc<Mutex<Script>>,
}

#[derive(Debug, Default)]
struct Script {
    replies: VecDeque<Result<String, ModelError>>,
    requests: Vec<ModelRequest>,
}

impl ScriptedModel {
    /// A model with nothing scripted.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Script> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Then answers `reply`.
    #[must_use]
    pub fn replying(self, reply: impl Into<String>) -> Self {
        self.push(Ok(reply.into()));
        self
    }

    /// Then fails with `error`.
    #[must_use]
    pub fn failing(self, error: ModelError) -> Self {
        self.push(Err(error));
        self
    }

    /// Adds an answer (or a failure) at the end of the script.
    pub fn push(&self, reply: Result<String, ModelError>) {
        self.lock().replies.push_back(reply);
    }

    /// Every request, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<ModelRequest> {
        self.lock().requests.clone()
    }

    /// How many times it was asked.
    #[must_use]
    pub fn calls(&self) -> usize {
        self.lock().requests.len()
    }
}

impl LanguageModel for ScriptedModel {
    async fn complete(&self, request: ModelRequest) -> Result<String, ModelError> {
        let mut script = self.lock();
        script.requests.push(request);
        script
            .replies
            .pop_front()
            .unwrap_or_else(|| Err(ModelError::Down("nothing scripted".to_owned())))
    }
}
