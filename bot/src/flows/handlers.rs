//! One handler per intent; see the [flow](super).

use features::catalog::{Quote, QuoteProblem, QuoteRequest, Sku};
use features::customers::{
    ConsentKeyword, ConsentSource, GetConsent, OptInCustomer, OptOutCustomer, OptOutScope,
};
use features::invoices::{CustomerInvoice, CustomerInvoices, VoidOrderInvoice};
use features::orders::{CancelOrder, CustomerOrders, OrderError, OrderLine, PlaceOrder};
use features::reminders::{StartReminders, StopReminders};
use features::shared::{CustomerPhone, OrderNumber};
use framework::conversation::Conversation;
use framework::handler::{ProfileName, State};
use framework::reply::{Buttons, List, Reply, Row};
use framework::{BoxError, ConversationKey, InboundMessage, Provider};

use super::{Shop, ShopFlow, ids};
use crate::texts::{self, NOT_UNDERSTOOD, titles};

fn customer(key: &ConversationKey) -> Result<CustomerPhone, BoxError> {
    CustomerPhone::parse(key.customer().as_str()).map_err(Into::into)
}

/// Whether the provider shows choices as numbers (Twilio's text menus).
fn numbered(provider: Provider) -> bool {
    !provider.supports_interactive()
}

/// "hi", "menu", "help".
pub(super) async fn greet(flow: Conversation<ShopFlow>, ProfileName(name): ProfileName) -> String {
    let waiting = matches!(flow.get(), ShopFlow::Reviewing { .. });
    texts::greeting(name.as_deref(), waiting)
}

/// A single consent word (STOP, START, …): opt out or back in, or what
/// CANCEL, YES and START meant before; the rules are in the
/// [flow's docs](super#opt-out-stop-and-opt-in-start).
pub(super) async fn consent_word(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    msg: InboundMessage,
    ProfileName(name): ProfileName,
) -> Result<String, BoxError> {
    let Some(keyword) = msg.text().and_then(|t| shop.consent_words.classify(t)) else {
        // The route's predicate matched this text: unreachable, but harmless.
        return Ok(NOT_UNDERSTOOD.to_owned());
    };
    let cart_open = !matches!(flow.get(), ShopFlow::Idle);
    let customer = customer(&key)?;
    match keyword {
        ConsentKeyword::OptOut(word) if word == "CANCEL" && cart_open => {
            Ok(discard(flow).await.to_owned())
        }
        ConsentKeyword::OptOut(word) => {
            let cancel = word == "CANCEL";
            let update = shop
                .customers
                .opt_out(OptOutCustomer {
                    customer,
                    scope: OptOutScope::All,
                    source: ConsentSource::Keyword(word),
                })
                .await?;
            let mut answer = Vec::new();
            if cart_open {
                flow.exit();
                answer.push(texts::DISCARDED_ON_OPT_OUT);
            }
            answer.push(if update.changed {
                texts::OPTED_OUT
            } else {
                texts::ALREADY_OPTED_OUT
            });
            if cancel {
                answer.push(texts::HOW_TO_CANCEL_AN_ORDER);
            }
            Ok(answer.join("\n\n"))
        }
        ConsentKeyword::OptIn(word) => {
            let opted_out = shop
                .customers
                .consent(GetConsent {
                    customer: customer.clone(),
                })
                .await?
                .opt_out()
                .is_some();
            match word.as_str() {
                "START" if !opted_out => Ok(texts::greeting(name.as_deref(), cart_open)),
                "YES" if !opted_out || cart_open => confirm(State(shop), flow, key, msg).await,
                _ => {
                    let update = shop.customers.opt_in(OptInCustomer { customer }).await?;
                    Ok(if update.changed {
                        texts::OPTED_IN
                    } else {
                        texts::ALREADY_OPTED_IN
                    }
                    .to_owned())
                }
            }
        }
    }
}

/// "my orders".
pub(super) async fn my_orders(
    State(shop): State<Shop>,
    key: ConversationKey,
) -> Result<String, BoxError> {
    let orders = shop
        .orders
        .customer_orders(CustomerOrders {
            customer: customer(&key)?,
            limit: 5,
        })
        .await?;
    Ok(texts::order_list(
        &orders,
        shop.reminders.clock().time_zone(),
    ))
}

/// "my invoices".
pub(super) async fn my_invoices(
    State(shop): State<Shop>,
    key: ConversationKey,
) -> Result<String, BoxError> {
    invoice_list(&shop, &key).await
}

/// The customer's last five invoices, as text.
async fn invoice_list(shop: &Shop, key: &ConversationKey) -> Result<String, BoxError> {
    let invoices = shop
        .invoices
        .customer_invoices(CustomerInvoices {
            customer: customer(key)?,
            limit: 5,
        })
        .await?;
    Ok(texts::invoice_list(
        &invoices,
        shop.reminders.clock().time_zone(),
    ))
}

/// "invoice INV-00042": sends that invoice again (a `send-invoice` job,
/// once per message, committed with the turn).
pub(super) async fn resend_invoice(
    State(shop): State<Shop>,
    key: ConversationKey,
    msg: InboundMessage,
) -> Result<String, BoxError> {
    let text = msg.text().unwrap_or_default().to_lowercase();
    let rest = ["resend ", "send my ", "send "]
        .iter()
        .find_map(|p| text.trim().strip_prefix(p))
        .unwrap_or(text.trim());
    // "invoice INV-00042", "invoice 42", "inv 42".
    let number = features::invoices::InvoiceNumber::parse(rest).or_else(|| {
        rest.strip_prefix("invoice")
            .and_then(features::invoices::InvoiceNumber::parse)
    });
    let Some(number) = number else {
        return Ok(texts::invoice_list_and_how_to_resend(
            &invoice_list(&shop, &key).await?,
        ));
    };
    let Some(invoice) = shop
        .invoices
        .customer_invoice(CustomerInvoice {
            customer: customer(&key)?,
            number,
        })
        .await?
    else {
        return Ok(texts::invoice_not_found(number));
    };
    if let features::invoices::InvoiceStatus::Void { .. } = invoice.status() {
        return Ok(texts::invoice_void(number));
    }
    crate::jobs::send_invoice::enqueue(&shop.jobs, number, msg.id().as_str()).await?;
    Ok(texts::sending_invoice_again(number))
}

/// "stop reminders".
pub(super) async fn stop_reminders(
    State(shop): State<Shop>,
    key: ConversationKey,
) -> Result<String, BoxError> {
    shop.reminders
        .stop_reminders(StopReminders {
            customer: customer(&key)?,
        })
        .await?;
    Ok(texts::REMINDERS_STOPPED.to_owned())
}

/// "start reminders".
pub(super) async fn start_reminders(
    State(shop): State<Shop>,
    key: ConversationKey,
) -> Result<String, BoxError> {
    shop.reminders
        .start_reminders(StartReminders {
            customer: customer(&key)?,
        })
        .await?;
    Ok(texts::REMINDERS_STARTED.to_owned())
}

/// "cancel order ORD-00042".
pub(super) async fn cancel_order(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    msg: InboundMessage,
) -> Result<String, BoxError> {
    // "cancel order ORD-00042", "Cancel ord 42", "cancel order #42".
    let text = msg.text().unwrap_or_default().to_lowercase();
    let mut words = text.split_whitespace().skip(1).peekable();
    words.next_if(|w| *w == "order" || *w == "ord");
    let rest: String = words.collect::<Vec<_>>().join(" ");
    let rest = rest.as_str();
    let Some(order_id) = OrderNumber::parse(rest) else {
        if rest.is_empty() && !matches!(flow.get(), ShopFlow::Idle) {
            // "cancel order" while a cart is open means this cart.
            flow.exit();
            return Ok(texts::DISCARDED.to_owned());
        }
        return Ok(texts::WHICH_ORDER.to_owned());
    };
    let number = texts::shown_number(order_id);
    let result = shop
        .orders
        .cancel_order(CancelOrder {
            order_id,
            customer: customer(&key)?,
        })
        .await;
    Ok(match result {
        Ok(_) => {
            // In the same turn: an invoice already issued is voided with the
            // cancellation (one not issued yet will not be).
            let voided = shop
                .invoices
                .void_order_invoice(VoidOrderInvoice {
                    order: order_id,
                    reason: "order cancelled by the customer".to_owned(),
                })
                .await?;
            texts::order_cancelled(&number, voided.map(|i| i.number()))
        }
        Err(OrderError::NotFound) => texts::order_not_found(&number),
        Err(OrderError::AlreadyCancelled) => texts::order_already_cancelled(&number),
        Err(OrderError::CannotCancel { status }) => {
            texts::order_cannot_be_cancelled(&number, status.as_str())
        }
        Err(e) => return Err(e.into()),
    })
}

/// Confirm (button, "1" on Twilio, "confirm", "yes").
pub(super) async fn confirm(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    msg: InboundMessage,
) -> Result<String, BoxError> {
    let ShopFlow::Reviewing {
        request,
        quote,
        cart,
    } = flow.get()
    else {
        return Ok(texts::NOTHING_TO_CONFIRM.to_owned());
    };
    // The cart's id makes the command idempotent: a "confirm" retried after
    // a failure finds the order the first try created.
    let cart = if cart.is_empty() {
        format!("{}:{}", msg.provider().as_str(), msg.id().as_str())
    } else {
        cart
    };
    // Priced again, created, confirmed, and its invoice job enqueued in the
    // turn's transaction (the follow-up port commits with the order).
    let placed = shop
        .orders
        .place_order(PlaceOrder {
            customer: customer(&key)?,
            currency: shop.currency,
            request,
            lines: quote.lines().iter().map(OrderLine::from).collect(),
            cart,
        })
        .await;
    match placed {
        Ok(order) => {
            flow.exit();
            Ok(texts::confirmed(&order))
        }
        // The message can no longer be read: say so; the cart stays.
        Err(e @ OrderError::Request(_)) => Ok(texts::fix_and_try_again(&e)),
        Err(OrderError::StockChanged { product, available }) => {
            flow.exit();
            Ok(texts::out_of_stock_now(available, &product))
        }
        Err(e) if e.is_user_error() => {
            flow.exit();
            Ok(texts::cannot_place(&e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancel (button, "2" on Twilio, "cancel", "no"): discard the cart.
pub(super) async fn discard(flow: Conversation<ShopFlow>) -> &'static str {
    match flow.get() {
        ShopFlow::Idle => texts::NOTHING_TO_DISCARD,
        _ => {
            flow.exit();
            texts::DISCARDED
        }
    }
}

/// Edit (button, "edit").
pub(super) async fn edit(flow: Conversation<ShopFlow>) -> &'static str {
    match flow.get() {
        ShopFlow::Idle => texts::NOTHING_TO_EDIT,
        _ => texts::SEND_THE_CORRECTION,
    }
}

/// A pick among ambiguous products (a tap, "2" on Twilio, or a typed name);
/// anything else is a new order.
pub(super) async fn pick(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    msg: InboundMessage,
) -> Result<Vec<Reply>, BoxError> {
    let ShopFlow::Choosing {
        mut request,
        phrase,
        options,
    } = flow.get()
    else {
        return order_text(State(shop), flow, msg).await;
    };
    let picked = msg
        .choice_id()
        .and_then(|id| id.strip_prefix(ids::PICK))
        .and_then(|sku| options.iter().find(|(s, _)| s.as_str() == sku));
    let Some((sku, _)) = picked else {
        return order_text(State(shop), flow, msg).await;
    };
    request.resolved.push((phrase, sku.clone()));
    let quote = match shop.catalog.quote(&request).await {
        Ok(quote) => quote,
        Err(e) if e.is_user_error() => return Ok(vec![Reply::text(texts::fix_and_try_again(&e))]),
        Err(e) => return Err(e.into()),
    };
    let cart = cart_id(&msg);
    answer(&flow, msg.provider(), request, quote, cart)
}

/// Anything else: read it as an order.
pub(super) async fn order_text(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    msg: InboundMessage,
) -> Result<Vec<Reply>, BoxError> {
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec![Reply::text(texts::TEXT_ONLY)]);
    };
    let request = QuoteRequest {
        text: text.to_owned(),
        resolved: Vec::new(),
    };
    let quote = match shop.catalog.quote(&request).await {
        Ok(quote) => quote,
        // Too long, too many items: the customer's to fix, told plainly.
        Err(e) if e.is_user_error() => return Ok(vec![Reply::text(texts::fix_and_try_again(&e))]),
        Err(e) => return Err(e.into()),
    };
    let cart = cart_id(&msg);
    answer(&flow, msg.provider(), request, quote, cart)
}

fn cart_id(msg: &InboundMessage) -> String {
    format!("{}:{}", msg.provider().as_str(), msg.id().as_str())
}

/// The summary with its buttons, a question, or the problems.
fn answer(
    flow: &Conversation<ShopFlow>,
    provider: Provider,
    request: QuoteRequest,
    quote: Quote,
    cart: String,
) -> Result<Vec<Reply>, BoxError> {
    let problems = quote.problems();
    if problems.is_empty() && quote.lines().is_empty() {
        return Ok(vec![Reply::text(NOT_UNDERSTOOD)]);
    }
    if problems.is_empty() {
        let replies = summary_replies(&quote, provider)?;
        flow.update(ShopFlow::Reviewing {
            request,
            quote,
            cart,
        });
        return Ok(replies);
    }
    // Ask about an ambiguity only when it is all that stands in the way.
    if let [
        QuoteProblem::Ambiguous {
            phrase, options, ..
        },
    ] = problems
    {
        let list = choices(&texts::problems(&quote), options)?;
        flow.update(ShopFlow::Choosing {
            request,
            phrase: phrase.clone(),
            options: options.clone(),
        });
        return Ok(vec![list.into()]);
    }
    if problems
        .iter()
        .all(|p| matches!(p, QuoteProblem::NotUnderstood))
    {
        return Ok(vec![Reply::text(NOT_UNDERSTOOD)]);
    }
    // Problems leave any earlier cart as it was; say so.
    let waiting = match flow.get() {
        ShopFlow::Reviewing { quote: earlier, .. } => texts::earlier_order_waiting(earlier.total()),
        _ => String::new(),
    };
    Ok(vec![Reply::text(format!(
        "{}\n{}{waiting}",
        texts::problems(&quote),
        texts::TRY_AGAIN
    ))])
}

fn summary_replies(quote: &Quote, provider: Provider) -> Result<Vec<Reply>, BoxError> {
    let numbered = numbered(provider);
    let text = format!(
        "{}\n\n{}",
        texts::summary(quote),
        texts::how_to_confirm(numbered)
    );
    let buttons = |body: String| {
        let b = Buttons::builder(body).button(ids::CONFIRM, titles::CONFIRM);
        let b = if numbered {
            b
        } else {
            b.button(ids::EDIT, titles::EDIT)
        };
        b.button(ids::CANCEL, titles::CANCEL).build()
    };
    match buttons(text.clone()) {
        Ok(b) => Ok(vec![b.into()]),
        // A long order does not fit a button message's body: the summary
        // goes first as text, the buttons follow with a short question.
        Err(_) => Ok(vec![
            Reply::text(text),
            buttons(texts::PLACE_THIS_ORDER.to_owned())?.into(),
        ]),
    }
}

fn choices(question: &str, options: &[(Sku, String)]) -> Result<List, BoxError> {
    let rows = options.iter().take(10).map(|(sku, name)| {
        let title: String = name.chars().take(24).collect();
        Row::new(format!("{}{}", ids::PICK, sku.as_str()), title)
    });
    Ok(List::builder(question, titles::CHOOSE).rows(rows).build()?)
}
