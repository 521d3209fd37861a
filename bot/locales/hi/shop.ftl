## The shop bot's texts in Hindi (हिन्दी). Product names, order and invoice
## numbers and the words a customer types ("confirm", "cancel order",
## "my orders") stay in Latin letters: the bot reads them so.

## This language

language-name = हिन्दी
number-grouping = indian
date = { $day } { $month ->
        [1] जनवरी
        [2] फ़रवरी
        [3] मार्च
        [4] अप्रैल
        [5] मई
        [6] जून
        [7] जुलाई
        [8] अगस्त
        [9] सितंबर
        [10] अक्टूबर
        [11] नवंबर
       *[12] दिसंबर
    } { $year }
list-or = { $init } या { $last }

## Greeting

greeting-hello = नमस्ते { $name }!
greeting =
    Campanile दुकान में आपका स्वागत है! आप अपना ऑर्डर यहीं दे सकते हैं।

    • ऑर्डर देने के लिए सामान और उसकी मात्रा भेजें, जैसे "Cement x 100" या "2 bags cement, 5 steel rods and 10 bricks"।
    • "my orders" भेजें, आपके हाल के ऑर्डर दिख जाएँगे।
    • "cancel order ORD-00012" भेजकर वह ऑर्डर रद्द करें जो अभी भेजा नहीं गया है।
order-waiting = आपका एक ऑर्डर पुष्टि के इंतज़ार में है: ऑर्डर देने के लिए "confirm" लिखें, या उसे हटाने के लिए "cancel" लिखें।

## Buttons and list titles (at most 20 characters)

button-confirm = पुष्टि करें
button-edit = बदलें
button-cancel = रद्द करें
button-choose = चुनें

## The order summary

summary-title = आपके ऑर्डर का सारांश:
summary-line = • { $product }: { $quantity } × { $price } = { $total }
summary-total = कुल: { $total }
quantity = { $quantity } { $unit }
place-this-order = क्या यह ऑर्डर पक्का करें?
how-to-confirm-numbered = ऑर्डर देने के लिए 1 या "confirm" भेजें, हटाने के लिए 2 या "cancel"। ऑर्डर बदलना हो तो बस नया ऑर्डर भेज दें।
how-to-confirm-buttons = ऑर्डर देने के लिए "{ button-confirm }" दबाएँ, बदलने के लिए "{ button-edit }", या हटाने के लिए "{ button-cancel }"।

## What stands in the way of a quote

problem-not-found = हमारी सूची में "{ $phrase }" नहीं मिला।
problem-not-found-suggest = "{ $phrase }" नहीं मिला। क्या आपका मतलब { $suggestions } था?
problem-ambiguous = "{ $phrase }" का मतलब { $options } हो सकता है। आपको कौन-सा चाहिए?
problem-ambiguous-quantity = "{ $phrase }" (x { $quantity }) का मतलब { $options } हो सकता है। आपको कौन-सा चाहिए?
problem-missing-quantity = { $product } के कितने { $units } चाहिए? मात्रा के साथ भेजें, जैसे "{ $product } x 10"।
problem-zero-quantity = { $product } की मात्रा शून्य नहीं हो सकती।
problem-negative-quantity = { $product } की मात्रा शून्य से कम नहीं हो सकती।
problem-fractional-quantity = { $product } सिर्फ़ पूरी इकाइयों में मिलता है; कृपया पूरी संख्या भेजें।
problem-too-many = WhatsApp पर एक ऑर्डर में हम { $product } ज़्यादा से ज़्यादा { $max } ही लेते हैं। थोक ऑर्डर के लिए कृपया दुकान पर फ़ोन करें।
problem-out-of-stock = माफ़ कीजिए, { $product } अभी स्टॉक में नहीं है।
problem-low-stock = माफ़ कीजिए, अभी स्टॉक में { $product } सिर्फ़ { $available } हैं।
not-understood = माफ़ कीजिए, मैं समझ नहीं पाया। ऑर्डर देने के लिए सामान और मात्रा भेजें, जैसे "Cement x 100"। मदद के लिए "menu" लिखें।
try-again = कृपया ऑर्डर दोबारा भेजें, जैसे "Cement x 100, 10 bricks"।
fix-and-try-again = { $problem }। { try-again }
text-only = मैं लिखकर भेजे गए ऑर्डर ही पढ़ सकता हूँ, जैसे "Cement x 100"। मदद के लिए "menu" लिखें।
earlier-order-waiting = आपका पिछला ऑर्डर ({ $total }) अभी भी इंतज़ार में है: उसे देने के लिए "confirm" लिखें, या हटाने के लिए "cancel"।

## An order message the bot cannot read (shown inside "fix-and-try-again" or "cannot-place")

request-nothing = संदेश में कोई सामान नहीं मिला
request-too-long = संदेश बहुत लंबा है ({ $chars } अक्षर, ज़्यादा से ज़्यादा { $max })
request-too-many-items = संदेश में बहुत ज़्यादा चीज़ें हैं (एक ऑर्डर में ज़्यादा से ज़्यादा { $max })

## Why an order cannot be placed (shown inside "cannot-place")

order-error-empty = ऑर्डर में कोई सामान नहीं है
order-error-invalid-quantity = मात्रा सही नहीं है
order-error-transition = ऑर्डर { $from } है; वह { $to } नहीं हो सकता
order-error-cannot-cancel = ऑर्डर पहले ही { $status } है, इसलिए अब रद्द नहीं हो सकता
order-error-already-cancelled = ऑर्डर पहले ही रद्द हो चुका है
order-error-not-found = ऑर्डर नहीं मिला
order-error-out-of-stock = स्टॉक में { $sku } सिर्फ़ { $available } बचे हैं
order-error-conflict = इसी बीच ऑर्डर बदल गया; कृपया फिर से कोशिश करें

## Confirm, edit, cancel

discarded = ठीक है, मैंने वह ऑर्डर हटा दिया; कोई ऑर्डर नहीं दिया गया। जब चाहें नया ऑर्डर भेजें।
nothing-to-discard = अभी रद्द करने के लिए कुछ नहीं है। दिया हुआ ऑर्डर रद्द करने के लिए "cancel order" और उसका नंबर भेजें, जैसे "cancel order ORD-00012"।
nothing-to-edit = बदलने के लिए कोई ऑर्डर नहीं है। "Cement x 100" जैसा ऑर्डर भेजें।
send-the-correction = ज़रूर, सुधरा हुआ ऑर्डर भेजें (जैसे "Cement x 120, 10 bricks"), मैं सारांश बदल दूँगा।
nothing-to-confirm = पुष्टि के लिए कोई ऑर्डर इंतज़ार में नहीं है। "Cement x 100" जैसा ऑर्डर भेजें।
out-of-stock-now = माफ़ कीजिए, अब स्टॉक में { $product } सिर्फ़ { $available } हैं, इसलिए ऑर्डर नहीं दिया जा सका। { try-again }
cannot-place = यह ऑर्डर नहीं दिया जा सका: { $reason }। { try-again }
order-confirmed =
    ✅ ऑर्डर पक्का हो गया! आपका ऑर्डर नंबर { $number } है।
    कुल: { $total }।
    आपका इनवॉइस तैयार हो रहा है: उसे देखने के लिए "my invoices" लिखें, ऑर्डर के लिए "my orders"।
order-number-pending = (जल्द मिलेगा)

## Placed orders

order-status = { $status ->
        [draft] अधूरा
        [confirmed] पक्का
        [cancelled] रद्द
        [dispatched] भेजा जा चुका
        [delivered] पहुँच चुका
       *[other] { $status }
    }
which-order = कौन-सा ऑर्डर? "cancel order" के साथ उसका नंबर भेजें, जैसे "cancel order ORD-00012"। "my orders" भेजकर सूची देखें।
order-cancelled = ऑर्डर { $number } रद्द हो गया।
order-cancelled-voided = ऑर्डर { $number } रद्द हो गया, और उसका इनवॉइस { $invoice } निरस्त कर दिया गया है।
order-not-found = आपके ऑर्डरों में { $number } नहीं मिला। "my orders" भेजकर सूची देखें।
order-already-cancelled = ऑर्डर { $number } पहले ही रद्द हो चुका है।
order-cannot-be-cancelled = ऑर्डर { $number } पहले ही { $status } है, इसलिए उसे यहाँ रद्द नहीं किया जा सकता। कृपया दुकान पर फ़ोन करें।
no-orders = आपका अभी तक कोई ऑर्डर नहीं है। "Cement x 100" जैसा ऑर्डर भेजें।
orders-title = आपके हाल के ऑर्डर:
orders-line = • { $number }: { $status }, { $total } ({ $items }), { $date }
order-items = { $count ->
        [1] { $items } चीज़
       *[other] { $items } चीज़ें
    }
orders-how-to-cancel = किसी ऑर्डर को रद्द करने के लिए "cancel order <नंबर>" लिखें।

## Invoices

no-invoices = आपका अभी तक कोई इनवॉइस नहीं है। ऑर्डर पक्का होने पर इनवॉइस बनता है।
invoices-title = आपके इनवॉइस:
invoices-line = • { $number }, ऑर्डर { $order } का: { $total } (GST { $tax } सहित), { $status }
invoice-due = देय तिथि { $date }
invoice-paid = भुगतान हो चुका
invoice-void-status = निरस्त
invoice-how-to-resend = कोई इनवॉइस दोबारा पाने के लिए "invoice" के साथ उसका नंबर भेजें, जैसे "invoice INV-00001"।
invoice-not-found = आपके नंबर पर इनवॉइस { $number } नहीं मिला। "my invoices" भेजकर अपने इनवॉइस देखें।
invoice-void = इनवॉइस { $number } निरस्त है (उसका ऑर्डर रद्द हो गया था)।
sending-invoice-again = इनवॉइस { $number } दोबारा भेज रहे हैं, एक पल रुकें।
invoice-summary = ऑर्डर { $order } का इनवॉइस { $number }: { $total }, देय तिथि { $due }।
invoice-caption = 🧾 { $summary }
invoice-file =
    🧾 { $summary }
    PDF: { $path }

## Offers and campaigns: STOP and START

opted-out = अब आपको हमारे ऑफ़र या कैंपेन संदेश नहीं मिलेंगे। फिर से पाने के लिए START लिखें। ऑर्डर देना और सवाल पूछना पहले की तरह यहीं चलता रहेगा।
already-opted-out = आप पहले ही ऑफ़र और कैंपेन संदेश बंद कर चुके हैं। फिर से पाने के लिए START लिखें।
discarded-on-opt-out = मैंने चल रहा ऑर्डर हटा दिया; कोई ऑर्डर नहीं दिया गया।
how-to-cancel-an-order = अगर आप दिया हुआ ऑर्डर रद्द करना चाहते थे, तो "cancel order" और उसका नंबर भेजें, जैसे "cancel order ORD-00012"।
opted-in = फिर से स्वागत है! अब आपको हमारे ऑफ़र और खबरें फिर से मिलेंगी। बंद करने के लिए कभी भी STOP लिखें।
already-opted-in = आपको हमारे ऑफ़र और खबरें पहले से मिल रही हैं। बंद करने के लिए कभी भी STOP लिखें।

## Reminders

reminders-stopped = ठीक है, अब कोई रिमाइंडर नहीं आएगा। फिर से चाहिए तो "start reminders" लिखें।
reminders-started = रिमाइंडर चालू हैं: इनवॉइस की देय तिथि से पहले मैं आपको याद दिला दूँगा।
payment-reminder = ⏰ याद दिला दें: इनवॉइस { $number } ({ $total }) की देय तिथि { $due } है। PDF के लिए "invoice { $number }" लिखें, या रिमाइंडर बंद करने के लिए "stop reminders"।
shop-reminder = ⏰ { $text }

## When the bot cannot answer

apology = माफ़ कीजिए, हमारी तरफ़ से कुछ गड़बड़ हो गई। कृपया थोड़ी देर बाद फिर से कोशिश करें।
slow-down = आप इतनी जल्दी-जल्दी संदेश भेज रहे हैं कि मैं जवाब नहीं दे पा रहा। कृपया थोड़ा रुककर फिर से कोशिश करें।
