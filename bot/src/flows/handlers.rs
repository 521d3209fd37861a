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
use framework::locale::Locale;
use framework::reply::{Buttons, List, Reply, Row};
use framework::{BoxError, ConversationKey, InboundMessage, Provider};

use super::{Shop, ShopFlow, ids};
use crate::i18n::{Say, Title};

fn customer(key: &ConversationKey) -> Result<CustomerPhone, BoxError> {
    CustomerPhone::parse(key.customer().as_str()).map_err(Into::into)
}

/// Whether the provider shows choices as numbers (Twilio's text menus).
fn numbered(provider: Provider) -> bool {
    !provider.supports_interactive()
}

/// "hi", "menu", "help": by the name the customer registered, else their
/// WhatsApp profile name.
pub(super) async fn greet(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    ProfileName(name): ProfileName,
    locale: Locale,
) -> Result<String, BoxError> {
    let waiting = matches!(flow.get(), ShopFlow::Reviewing { .. });
    let registered = shop
        .customers
        .details(features::customers::GetDetails {
            customer: customer(&key)?,
        })
        .await?
        .registration
        .map(|r| r.name);
    let name = registered.or(name);
    Ok(shop.texts.say(&locale).greeting(name.as_deref(), waiting))
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
    locale: Locale,
) -> Result<String, BoxError> {
    let texts = shop.texts.clone();
    let say = texts.say(&locale);
    let Some(keyword) = msg.text().and_then(|t| shop.consent_words.classify(t)) else {
        // The route's predicate matched this text: unreachable, but harmless.
        return Ok(say.not_understood());
    };
    let cart_open = !matches!(flow.get(), ShopFlow::Idle);
    let customer = customer(&key)?;
    match keyword {
        ConsentKeyword::OptOut(word) if word == "CANCEL" && cart_open => {
            Ok(discard(State(shop), flow, locale).await)
        }
        ConsentKeyword::OptOut(word) => {
            let cancel = word == "CANCEL";
            // A form in progress stops with the opt-out (its next question
            // would ask the customer who just said STOP).
            if let Some(session) = msg.extensions().get::<framework::session::Session>() {
                shop.profile.stop(session);
            }
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
                answer.push(say.discarded_on_opt_out());
            }
            answer.push(if update.changed {
                say.opted_out()
            } else {
                say.already_opted_out()
            });
            if cancel {
                answer.push(say.how_to_cancel_an_order());
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
                "START" if !opted_out => Ok(say.greeting(name.as_deref(), cart_open)),
                "YES" if !opted_out || cart_open => {
                    confirm(State(shop), flow, key, msg, locale.clone()).await
                }
                _ => {
                    let update = shop.customers.opt_in(OptInCustomer { customer }).await?;
                    Ok(if update.changed {
                        say.opted_in()
                    } else {
                        say.already_opted_in()
                    })
                }
            }
        }
    }
}

/// "my orders".
pub(super) async fn my_orders(
    State(shop): State<Shop>,
    key: ConversationKey,
    locale: Locale,
) -> Result<String, BoxError> {
    let orders = shop
        .orders
        .customer_orders(CustomerOrders {
            customer: customer(&key)?,
            limit: 5,
        })
        .await?;
    Ok(shop
        .texts
        .say(&locale)
        .order_list(&orders, shop.reminders.clock().time_zone()))
}

/// "my invoices".
pub(super) async fn my_invoices(
    State(shop): State<Shop>,
    key: ConversationKey,
    locale: Locale,
) -> Result<String, BoxError> {
    invoice_list(&shop, &key, &shop.texts.say(&locale)).await
}

/// The customer's last five invoices, as text.
async fn invoice_list(
    shop: &Shop,
    key: &ConversationKey,
    say: &Say<'_>,
) -> Result<String, BoxError> {
    let invoices = shop
        .invoices
        .customer_invoices(CustomerInvoices {
            customer: customer(key)?,
            limit: 5,
        })
        .await?;
    Ok(say.invoice_list(&invoices, shop.reminders.clock().time_zone()))
}

/// "invoice INV-00042": sends that invoice again (a `send-invoice` job,
/// once per message, committed with the turn).
pub(super) async fn resend_invoice(
    State(shop): State<Shop>,
    key: ConversationKey,
    msg: InboundMessage,
    locale: Locale,
) -> Result<String, BoxError> {
    let say = shop.texts.say(&locale);
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
        return Ok(say.invoice_list_and_how_to_resend(&invoice_list(&shop, &key, &say).await?));
    };
    let Some(invoice) = shop
        .invoices
        .customer_invoice(CustomerInvoice {
            customer: customer(&key)?,
            number,
        })
        .await?
    else {
        return Ok(say.invoice_not_found(number));
    };
    if let features::invoices::InvoiceStatus::Void { .. } = invoice.status() {
        return Ok(say.invoice_void(number));
    }
    crate::jobs::send_invoice::enqueue(&shop.jobs, number, msg.id().as_str()).await?;
    Ok(say.sending_invoice_again(number))
}

/// "stop reminders".
pub(super) async fn stop_reminders(
    State(shop): State<Shop>,
    key: ConversationKey,
    locale: Locale,
) -> Result<String, BoxError> {
    shop.reminders
        .stop_reminders(StopReminders {
            customer: customer(&key)?,
        })
        .await?;
    Ok(shop.texts.say(&locale).reminders_stopped())
}

/// "start reminders".
pub(super) async fn start_reminders(
    State(shop): State<Shop>,
    key: ConversationKey,
    locale: Locale,
) -> Result<String, BoxError> {
    shop.reminders
        .start_reminders(StartReminders {
            customer: customer(&key)?,
        })
        .await?;
    Ok(shop.texts.say(&locale).reminders_started())
}

/// "cancel order ORD-00042".
pub(super) async fn cancel_order(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    msg: InboundMessage,
    locale: Locale,
) -> Result<String, BoxError> {
    let say = shop.texts.say(&locale);
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
            return Ok(say.discarded());
        }
        return Ok(say.which_order());
    };
    let number = OrderNumber::from(order_id);
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
            say.order_cancelled(number, voided.map(|i| i.number()))
        }
        Err(OrderError::NotFound) => say.order_not_found(number),
        Err(OrderError::AlreadyCancelled) => say.order_already_cancelled(number),
        Err(OrderError::CannotCancel { status }) => say.order_cannot_be_cancelled(number, status),
        Err(e) => return Err(e.into()),
    })
}

/// Confirm (button, "1" on Twilio, "confirm", "yes").
pub(super) async fn confirm(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    key: ConversationKey,
    msg: InboundMessage,
    locale: Locale,
) -> Result<String, BoxError> {
    let say = shop.texts.say(&locale);
    let ShopFlow::Reviewing {
        request,
        quote,
        cart,
    } = flow.get()
    else {
        return Ok(say.nothing_to_confirm());
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
            Ok(say.confirmed(&order))
        }
        // The message can no longer be read: say so; the cart stays.
        Err(e @ OrderError::Request(_)) => Ok(say.fix_and_try_again(&say.order_problem(&e))),
        Err(OrderError::StockChanged { product, available }) => {
            flow.exit();
            Ok(say.out_of_stock_now(available, &product))
        }
        Err(e) if e.is_user_error() => {
            flow.exit();
            Ok(say.cannot_place(&say.order_problem(&e)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancel (button, "2" on Twilio, "cancel", "no"): discard the cart.
pub(super) async fn discard(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    locale: Locale,
) -> String {
    let say = shop.texts.say(&locale);
    match flow.get() {
        ShopFlow::Idle => say.nothing_to_discard(),
        _ => {
            flow.exit();
            say.discarded()
        }
    }
}

/// Edit (button, "edit").
pub(super) async fn edit(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    locale: Locale,
) -> String {
    let say = shop.texts.say(&locale);
    match flow.get() {
        ShopFlow::Idle => say.nothing_to_edit(),
        _ => say.send_the_correction(),
    }
}

/// A pick among ambiguous products (a tap, "2" on Twilio, or a typed name);
/// anything else is a new order.
pub(super) async fn pick(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    msg: InboundMessage,
    locale: Locale,
) -> Result<Vec<Reply>, BoxError> {
    let ShopFlow::Choosing {
        mut request,
        phrase,
        options,
    } = flow.get()
    else {
        return order_text(State(shop), flow, msg, locale).await;
    };
    let picked = msg
        .choice_id()
        .and_then(|id| id.strip_prefix(ids::PICK))
        .and_then(|sku| options.iter().find(|(s, _)| s.as_str() == sku));
    let Some((sku, _)) = picked else {
        return order_text(State(shop), flow, msg, locale).await;
    };
    let say = shop.texts.say(&locale);
    request.resolved.push((phrase, sku.clone()));
    let quote = match shop.catalog.quote(&request).await {
        Ok(quote) => quote,
        Err(e) if e.is_user_error() => {
            return Ok(vec![Reply::text(
                say.fix_and_try_again(&say.catalog_problem(&e)),
            )]);
        }
        Err(e) => return Err(e.into()),
    };
    let cart = cart_id(&msg);
    let replies = answer(&say, &flow, msg.provider(), request, quote, cart.clone())?;
    super::profile::first(&shop, &flow, &msg, &locale, &cart, replies).await
}

/// Anything else: read it as an order.
pub(super) async fn order_text(
    State(shop): State<Shop>,
    flow: Conversation<ShopFlow>,
    msg: InboundMessage,
    locale: Locale,
) -> Result<Vec<Reply>, BoxError> {
    let say = shop.texts.say(&locale);
    let Some(text) = msg.text().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec![Reply::text(say.text_only())]);
    };
    let request = QuoteRequest {
        text: text.to_owned(),
        resolved: Vec::new(),
    };
    let quote = match shop.catalog.quote(&request).await {
        Ok(quote) => quote,
        // Too long, too many items: the customer's to fix, told plainly.
        Err(e) if e.is_user_error() => {
            return Ok(vec![Reply::text(
                say.fix_and_try_again(&say.catalog_problem(&e)),
            )]);
        }
        Err(e) => return Err(e.into()),
    };
    // Nothing the catalog knows: a question for the support responder
    // ("what are your opening hours"), which may offer a person.
    if quote.lines().is_empty() && super::support::is_a_question(text, &quote) {
        let offer = super::support::offers_a_person(&quote);
        if let Some(replies) = super::support::answer(&shop, &msg, &locale, text, offer).await? {
            return Ok(replies);
        }
    }
    let cart = cart_id(&msg);
    let replies = answer(&say, &flow, msg.provider(), request, quote, cart.clone())?;
    super::profile::first(&shop, &flow, &msg, &locale, &cart, replies).await
}

fn cart_id(msg: &InboundMessage) -> String {
    format!("{}:{}", msg.provider().as_str(), msg.id().as_str())
}

/// The summary with its buttons, a question, or the problems.
fn answer(
    say: &Say<'_>,
    flow: &Conversation<ShopFlow>,
    provider: Provider,
    request: QuoteRequest,
    quote: Quote,
    cart: String,
) -> Result<Vec<Reply>, BoxError> {
    let problems = quote.problems();
    if problems.is_empty() && quote.lines().is_empty() {
        return Ok(vec![Reply::text(say.not_understood())]);
    }
    if problems.is_empty() {
        let replies = summary_replies(say, &quote, provider)?;
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
        let list = choices(say, &say.problems(&quote), options)?;
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
        return Ok(vec![Reply::text(say.not_understood())]);
    }
    // Problems leave any earlier cart as it was; say so.
    let waiting = match flow.get() {
        ShopFlow::Reviewing { quote: earlier, .. } => say.earlier_order_waiting(earlier.total()),
        _ => String::new(),
    };
    Ok(vec![Reply::text(format!(
        "{}\n{}{waiting}",
        say.problems(&quote),
        say.try_again()
    ))])
}

/// The summary with its confirm, edit and cancel buttons (after a long
/// summary sent first as text, the buttons under a short question).
pub(super) fn summary_replies(
    say: &Say<'_>,
    quote: &Quote,
    provider: Provider,
) -> Result<Vec<Reply>, BoxError> {
    let numbered = numbered(provider);
    let text = format!("{}\n\n{}", say.summary(quote), say.how_to_confirm(numbered));
    let buttons = |body: String| {
        let b = Buttons::builder(body).button(ids::CONFIRM, say.title(Title::Confirm));
        let b = if numbered {
            b
        } else {
            b.button(ids::EDIT, say.title(Title::Edit))
        };
        b.button(ids::CANCEL, say.title(Title::Cancel)).build()
    };
    match buttons(text.clone()) {
        Ok(b) => Ok(vec![b.into()]),
        // A long order does not fit a button message's body: the summary
        // goes first as text, the buttons follow with a short question.
        Err(_) => Ok(vec![
            Reply::text(text),
            buttons(say.place_this_order())?.into(),
        ]),
    }
}

fn choices(say: &Say<'_>, question: &str, options: &[(Sku, String)]) -> Result<List, BoxError> {
    let rows = options.iter().take(10).map(|(sku, name)| {
        let title: String = name.chars().take(24).collect();
        Row::new(format!("{}{}", ids::PICK, sku.as_str()), title)
    });
    Ok(List::builder(question, say.title(Title::Choose))
        .rows(rows)
        .build()?)
}
