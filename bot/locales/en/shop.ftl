## The shop bot's texts in English, the default language: what every other
## language translates. Product names, order and invoice numbers ("ORD-00012",
## "INV-00001") and the words a customer types ("confirm", "cancel order",
## "my orders") stay in Latin letters in every language: the bot reads them so.

## This language

# Its own name, as the language picker shows it.
language-name = English
# "indian": numbers and amounts grouped 12,34,567; "plain": numbers as digits,
# amounts as their currency shows them.
number-grouping = plain
# A day: $day, $month (1 to 12), $year.
date = { $day } { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    } { $year }
# "Cement" or "Cement" and "Steel": $init (quoted, joined by ", ") and $last.
list-or = { $init } or { $last }

## Greeting

# Before the greeting when the customer's profile has a name.
greeting-hello = Hi { $name }!
greeting =
    Welcome to the Campanile shop! I can take your order right here.

    • To order, send products and quantities, e.g. "Cement x 100" or "2 bags cement, 5 steel rods and 10 bricks".
    • "my orders" shows your recent orders.
    • "cancel order ORD-00012" cancels an order that hasn't been dispatched.
# After the greeting, a paragraph of its own, when a cart is open.
order-waiting = You have an order waiting: reply "confirm" to place it or "cancel" to discard it.

## Buttons and list titles (at most 20 characters)

button-confirm = Confirm
button-edit = Edit
button-cancel = Cancel
button-choose = Choose

## The order summary

summary-title = Your order summary:
# $quantity is a whole "quantity" message.
summary-line = • { $product }: { $quantity } × { $price } = { $total }
summary-total = Total: { $total }
# $unit is the catalog's unit word, plural when it should be ("bags").
quantity = { $quantity } { $unit }
# Over the buttons when the summary goes first as text.
place-this-order = Place this order?
# On Twilio, where the buttons are a numbered menu.
how-to-confirm-numbered = Reply 1 or "confirm" to place the order, 2 or "cancel" to discard it. To change it, just send the new order.
how-to-confirm-buttons = Tap { button-confirm } to place the order, { button-edit } to change it, or { button-cancel } to discard it.

## What stands in the way of a quote

problem-not-found = I couldn't find "{ $phrase }" in our catalog.
# $suggestions: a "list-or".
problem-not-found-suggest = I couldn't find "{ $phrase }". Did you mean { $suggestions }?
# $options: a "list-or" of product names.
problem-ambiguous = "{ $phrase }" could be { $options }. Which one?
problem-ambiguous-quantity = "{ $phrase }" (x { $quantity }) could be { $options }. Which one?
# $units: the catalog's unit word in the plural ("bags").
problem-missing-quantity = How many { $units } of { $product }? Send it with the quantity, e.g. "{ $product } x 10".
problem-zero-quantity = The quantity of { $product } can't be zero.
problem-negative-quantity = The quantity of { $product } can't be negative.
problem-fractional-quantity = { $product } is sold in whole units; please send a whole number.
problem-too-many = That's more { $product } than we take in one order over WhatsApp (at most { $max }). For bulk orders, please call the shop.
problem-out-of-stock = Sorry, { $product } is out of stock right now.
problem-low-stock = Sorry, we only have { $available } of { $product } in stock right now.
not-understood = Sorry, I didn't understand that. To order, send products with quantities, e.g. "Cement x 100". Say "menu" for help.
try-again = Please send the order again, e.g. "Cement x 100, 10 bricks".
# $problem: a "request-…" or "order-error-…" message.
fix-and-try-again = { $problem }. { try-again }
text-only = I can read orders sent as text, e.g. "Cement x 100". Say "menu" for help.
# After the problems, a paragraph of its own.
earlier-order-waiting = Your earlier order ({ $total }) is still waiting: reply "confirm" to place it or "cancel" to discard it.

## An order message the bot cannot read (shown inside "fix-and-try-again" or "cannot-place")

request-nothing = no products found in the message
request-too-long = the message is too long ({ $chars } characters, at most { $max })
request-too-many-items = the message lists too many items (at most { $max } per order)

## Why an order cannot be placed (shown inside "cannot-place")

order-error-empty = the order has no items
order-error-invalid-quantity = invalid quantity
# $from, $to: "order-status" messages.
order-error-transition = the order is { $from }; it cannot become { $to }
order-error-cannot-cancel = the order is already { $status }, so it can no longer be cancelled
order-error-already-cancelled = the order is already cancelled
order-error-not-found = order not found
order-error-out-of-stock = only { $available } of { $sku } left in stock
order-error-conflict = the order changed meanwhile; please try again

## Confirm, edit, cancel

discarded = Okay, I've discarded that order; nothing was placed. Send a new one any time.
nothing-to-discard = There's nothing to cancel right now. To cancel a placed order, say "cancel order" and its number, e.g. "cancel order ORD-00012".
nothing-to-edit = There's no order to change. Send one like "Cement x 100".
send-the-correction = Sure, send the corrected order (e.g. "Cement x 120, 10 bricks") and I'll update the summary.
nothing-to-confirm = There's no order waiting for confirmation. Send one like "Cement x 100".
out-of-stock-now = Sorry, we only have { $available } of { $product } in stock now, so I couldn't place the order. { try-again }
cannot-place = I couldn't place that order: { $reason }. { try-again }
order-confirmed =
    ✅ Order confirmed! Your order number is { $number }.
    Total: { $total }.
    Your invoice is being prepared: say "my invoices" to see it, "my orders" for the order.
# The order number while the order has none yet.
order-number-pending = (pending)

## Placed orders

# $status: the stored status, one of these.
order-status = { $status ->
        [draft] draft
        [confirmed] confirmed
        [cancelled] cancelled
        [dispatched] dispatched
        [delivered] delivered
       *[other] { $status }
    }
which-order = Which order? Say "cancel order" with its number, e.g. "cancel order ORD-00012". "my orders" lists them.
order-cancelled = Order { $number } is cancelled.
order-cancelled-voided = Order { $number } is cancelled, and its invoice { $invoice } is void.
order-not-found = I couldn't find order { $number } among your orders. "my orders" lists them.
order-already-cancelled = Order { $number } was already cancelled.
# $status: an "order-status".
order-cannot-be-cancelled = Order { $number } is already { $status }, so it can't be cancelled here. Please call the shop.
no-orders = You have no orders yet. Send one like "Cement x 100".
orders-title = Your recent orders:
# $items: an "order-items"; $date: a "date".
orders-line = • { $number }: { $status }, { $total } ({ $items }), { $date }
# $count: the number, to choose the form; $items: it as shown.
order-items = { $count ->
        [one] { $items } item
       *[other] { $items } items
    }
orders-how-to-cancel = To cancel one, say "cancel order <number>".

## Invoices

no-invoices = You have no invoices yet. An invoice is made when an order is confirmed.
invoices-title = Your invoices:
# $status: "invoice-due", "invoice-paid" or "invoice-void-status".
invoices-line = • { $number } for { $order }: { $total } (incl. GST { $tax }), { $status }
invoice-due = due { $date }
invoice-paid = paid
invoice-void-status = void
invoice-how-to-resend = To get one again, say "invoice" with its number, e.g. "invoice INV-00001".
invoice-not-found = I can't find invoice { $number } for your number. "my invoices" lists yours.
invoice-void = Invoice { $number } is void (its order was cancelled).
sending-invoice-again = Sending invoice { $number } again, one moment.
# $due: a "date".
invoice-summary = Invoice { $number } for order { $order }: { $total }, due { $due }.
# $summary: an "invoice-summary".
invoice-caption = 🧾 { $summary }
invoice-file =
    🧾 { $summary }
    PDF: { $path }

## Offers and campaigns: STOP and START

opted-out = You won't get offers or campaign messages from us any more. Reply START to opt back in. You can still order and ask here as usual.
already-opted-out = You're already opted out of offers and campaign messages. Reply START to opt back in.
discarded-on-opt-out = I've discarded the order in progress; nothing was placed.
how-to-cancel-an-order = To cancel a placed order instead, say "cancel order" and its number, e.g. "cancel order ORD-00012".
opted-in = Welcome back! You'll get our offers and news again. Reply STOP any time to opt out.
already-opted-in = You're already getting our offers and news. Reply STOP any time to opt out.

## Reminders

reminders-stopped = Okay, no more reminders. Say "start reminders" if you want them again.
reminders-started = Reminders are on: I'll remind you before an invoice is due.
# $due: a "date".
payment-reminder = ⏰ A reminder: invoice { $number } ({ $total }) is due { $due }. Reply "invoice { $number }" for the PDF, or "stop reminders" to get no more reminders.
# $text: the shop's own text, as written.
shop-reminder = ⏰ { $text }

## When the bot cannot answer

apology = Sorry, something went wrong on our side. Please try again in a moment.
slow-down = You're sending messages faster than I can answer. Please wait a moment and try again.
