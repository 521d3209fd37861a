## The forms' generic texts in Hindi (हिन्दी). $reason, $question, $min, $max,
## $example, $answers, $label, $answer and $keyword are filled by the form.

form-retry =
    { $reason }

    { $question }
form-optional-question =
    { $question }
    (इसे छोड़ना हो तो *छोड़ें* या *skip* भेजें।)
form-first-question = यह पहला सवाल है।
form-cannot-skip = इस सवाल को छोड़ा नहीं जा सकता।
form-not-text = कृपया लिखकर जवाब दें।
form-text-length = कृपया { $min } से { $max } अक्षरों के बीच भेजें।
form-not-a-number = कृपया एक पूरी संख्या भेजें, जैसे { $example }।
form-number-range = कृपया { $min } से { $max } तक की कोई संख्या भेजें।
form-not-an-option = कृपया दिए गए विकल्पों में से एक चुनें।
form-not-a-date = माफ़ कीजिए, तारीख़ समझ नहीं आई। *tomorrow*, *Friday* या *21/11* की तरह लिखें।
form-date-range = कृपया { $min } से { $max } के बीच की कोई तारीख़ चुनें।
form-not-a-phone = कृपया देश के कोड के साथ फ़ोन नंबर भेजें, जैसे +91 98123 45678।
form-not-an-email = कृपया ईमेल पता भेजें, जैसे name@example.com।
form-no-match = माफ़ कीजिए, यह सही नहीं लग रहा। कृपया फिर से कोशिश करें।
form-summary =
    कृपया अपने जवाब जाँच लें:

    { $answers }
form-summary-line = *{ $label }:* { $answer }
form-skipped = (छोड़ दिया)
form-use-the-buttons = कृपया "{ form-confirm-button }", "{ form-edit-button }" या "{ form-cancel-button }" दबाएँ।
form-confirm-button = पुष्टि करें
form-edit-button = बदलें
form-cancel-button = रद्द करें
form-pick-field = आप कौन-सा जवाब बदलना चाहेंगे?
form-list-button = चुनें
form-cancelled = ठीक है, मैंने फ़ॉर्म रोक दिया। फिर से शुरू करने के लिए *{ $keyword }* भेजें।
form-too-many-attempts = कई बार गलत जवाब आया, इसलिए मैंने फ़ॉर्म रोक दिया। फिर से शुरू करने के लिए *{ $keyword }* भेजें।
form-expired = आपके फ़ॉर्म का समय खत्म हो गया। फिर से शुरू करने के लिए *{ $keyword }* भेजें।
form-lost = माफ़ कीजिए, आपके जवाब खो गए। फिर से शुरू करने के लिए *{ $keyword }* भेजें।

## Words a customer may type, separated by commas (understood besides the
## form's own English words)

form-back-words = पीछे, वापस, peeche, wapas
form-skip-words = छोड़ें, छोड़ो, chhodo
form-cancel-words = रद्द, बंद करो, radd, band karo
