//! The flow the tests of `example-testing-a-flow` exercise: re-ordering
//! building material in a few taps.
//!
//! ```text
//! customer:      hi
//! bot:           Hi Asha! What do you need today?  [Cement] [Sand] [Steel]
//! customer taps: Cement
//! bot:           How many bags of cement?
//! customer:      20
//! bot:           20 bags of cement. Shall I place the order?  [Place order] [Cancel]
//! customer taps: Place order
//! bot:           Order placed: 20 bags of cement. We'll confirm the delivery time soon.
//! ```
//!
//! The pipeline forgets a conversation [`SESSION_TTL`] after its last message
//! and answers at most [`MESSAGES_PER_MINUTE`] messages a minute per
//! conversation; the tests check both with virtual time.
//!
//! # Layout
//!
//! - `src/lib.rs`: the flow and [`pipeline`], shared by the binary and the tests.
//! - `src/main.rs`: the flow in a terminal.
//! - `tests/flow/`: one module per testing technique.

use std::time::Duration;

use framework::conversation::{Conversation, FlowState};
use framework::dedup::InMemSeenStore;
use framework::handler::{Choice, ProfileName, Router, RouterService, Step, Text};
use framework::pipeline::Pipeline;
use framework::rate_limit::{InMemRateStore, Quota, RateLimitConfig};
use framework::reply::{Buttons, Reply, ReplyError};
use framework::session::{InMemConversationLock, InMemSessionStore, SessionConfig, SessionLayer};
use framework::{BoxError, ServiceBuilderExt};
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;

/// How long a conversation is remembered after its last message.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 60);

/// How many messages a conversation may send per minute.
pub const MESSAGES_PER_MINUTE: u32 = 10;

/// The largest quantity the bot takes.
const MAX_QUANTITY: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Product {
    Cement,
    Sand,
    Steel,
}

impl Product {
    const ALL: [Self; 3] = [Self::Cement, Self::Sand, Self::Steel];

    /// The button id.
    fn id(self) -> &'static str {
        match self {
            Self::Cement => "cement",
            Self::Sand => "sand",
            Self::Steel => "steel",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Cement => "Cement",
            Self::Sand => "Sand",
            Self::Steel => "Steel",
        }
    }

    /// What it is counted in.
    fn unit(self) -> &'static str {
        match self {
            Self::Cement => "bags",
            Self::Sand => "tonnes",
            Self::Steel => "rods",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// "20 bags of cement".
    fn amount(self, quantity: u32) -> String {
        format!(
            "{quantity} {} of {}",
            self.unit(),
            self.title().to_lowercase()
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Order {
    /// No order in progress.
    #[default]
    Browsing,
    AskedQuantity {
        product: Product,
    },
    Confirming {
        product: Product,
        quantity: u32,
    },
}

impl FlowState for Order {}

impl Order {
    /// The product asked about, while waiting for its quantity.
    fn asked_quantity(&self) -> Option<Product> {
        match self {
            Self::AskedQuantity { product } => Some(*product),
            _ => None,
        }
    }

    /// The order to confirm.
    fn confirming(&self) -> Option<(Product, u32)> {
        match self {
            Self::Confirming { product, quantity } => Some((*product, *quantity)),
            _ => None,
        }
    }
}

/// Any text while browsing (and "hi" or "menu" at any time): the products.
async fn greet(
    flow: Conversation<Order>,
    ProfileName(name): ProfileName,
) -> Result<Buttons, ReplyError> {
    flow.exit();
    let hello = name.map_or_else(|| "Hi!".to_owned(), |name| format!("Hi {name}!"));
    Product::ALL
        .into_iter()
        .fold(
            Buttons::builder(format!("{hello} What do you need today?")),
            |menu, p| menu.button(p.id(), p.title()),
        )
        .build()
}

/// A tapped product, in any state: ask how much.
async fn pick_product(flow: Conversation<Order>, Choice(id): Choice) -> Result<String, BoxError> {
    let product = Product::from_id(&id).ok_or("routed a choice that is not a product")?;
    flow.update(Order::AskedQuantity { product });
    Ok(format!(
        "How many {} of {}?",
        product.unit(),
        product.title().to_lowercase()
    ))
}

/// `AskedQuantity`: a number; ask to confirm.
async fn quantity(
    flow: Conversation<Order>,
    Step(product): Step<Product>,
    text: Option<Text>,
) -> Result<Reply, BoxError> {
    let quantity = text
        .and_then(|Text(t)| t.trim().parse::<u32>().ok())
        .filter(|q| (1..=MAX_QUANTITY).contains(q));
    let Some(quantity) = quantity else {
        return Ok(Reply::text(format!(
            "Please send a number from 1 to {MAX_QUANTITY}, like 20."
        )));
    };
    flow.update(Order::Confirming { product, quantity });
    let menu = Buttons::builder(format!(
        "{}. Shall I place the order?",
        capitalize(&product.amount(quantity))
    ))
    .button("place", "Place order")
    .button("cancel", "Cancel")
    .build()?;
    Ok(menu.into())
}

/// `Confirming`: place the order or drop it.
async fn confirm(
    flow: Conversation<Order>,
    Step((product, quantity)): Step<(Product, u32)>,
    choice: Option<Choice>,
) -> Result<String, BoxError> {
    let answer = match choice.as_ref().map(|Choice(id)| id.as_str()) {
        Some("place") => format!(
            "Order placed: {}. We'll confirm the delivery time soon.",
            product.amount(quantity)
        ),
        Some("cancel") => "Cancelled. Say hi when you need something.".to_owned(),
        _ => return Ok("Please tap Place order or Cancel.".to_owned()),
    };
    flow.exit();
    Ok(answer)
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn router() -> RouterService<()> {
    Router::new()
        .keyword(["hi", "hello", "menu"], greet)
        .choice(Product::ALL.map(Product::id), pick_product)
        .on_state(Order::asked_quantity, quantity)
        .on_state(Order::confirming, confirm)
        .fallback(greet)
        .into_service()
}

/// The whole pipeline, outermost layer first, with in-memory stores.
pub fn pipeline() -> impl Pipeline {
    let rate_limit = RateLimitConfig::default().with_quota(Quota::per_minute(MESSAGES_PER_MINUTE));
    let sessions = SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
        .with_config(SessionConfig::default().with_ttl(SESSION_TTL));
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .conversation_rate_limit(InMemRateStore::new(), rate_limit)
        .layer(sessions)
        .conversation::<Order>()
        .service(router())
}
