## भाषा, प्रोफ़ाइल फ़ॉर्म, सवालों के जवाब और किसी व्यक्ति से बात।

## भाषा चुनना

language-choose = आप कौन सी भाषा चाहेंगे? नीचे से चुनें।
language-button = भाषाएँ
language-set = ठीक है, अब से मैं हिन्दी में लिखूँगा। बदलने के लिए "भाषा" लिखें।
language-words = भाषा, bhasha, भाषा बदलें, bhasha badlo
language-aliases = hindi, हिंदी, हिन्दी

## प्रोफ़ाइल फ़ॉर्म ("register")

profile-start-words = रजिस्टर, पंजीकरण, प्रोफ़ाइल
profile-before-first-order = आपके पहले ऑर्डर से पहले, इनवॉइस के लिए कुछ जानकारी। इसे छोड़ना हो तो "रद्द" भेजें।
profile-name-question = आपका नाम क्या है?
profile-name-label = नाम
profile-business-question = आपके व्यवसाय का नाम?
profile-business-label = व्यवसाय
profile-gstin-question = आपके व्यवसाय का GSTIN (15 अक्षर, जैसे 27AAPFU0939F1ZV)?
profile-gstin-label = GSTIN
profile-address-question = डिलीवरी का पता (गली, इलाका, शहर, पिन कोड)?
profile-address-label = पता
profile-language-question = हम किस भाषा में बात करें?
profile-language-label = भाषा
profile-saved = धन्यवाद, { $name }! आपकी प्रोफ़ाइल सेव हो गई है और आपके इनवॉइस पर दिखेगी। बदलने के लिए कभी भी "register" भेजें।

## GSTIN क्यों नहीं माना गया

gstin-length = GSTIN में 15 अक्षर और अंक होते हैं।
gstin-state = GSTIN आपके राज्य के दो अंकों के कोड (01 से 38) से शुरू होता है।
gstin-pan = GSTIN के अक्षर 3 से 12 आपका PAN होते हैं: पाँच अक्षर, चार अंक, एक अक्षर।
gstin-entity = GSTIN का 13वाँ अक्षर 1-9 या कोई अक्षर होता है, और 14वाँ Z होता है।
gstin-check = इस GSTIN का आख़िरी अक्षर बाकी से मेल नहीं खाता: कृपया टाइपिंग की गलती जाँच लें।

## सवालों के जवाब और किसी व्यक्ति से बात

handoff-offer = मुझे इसका पक्का जवाब नहीं पता। क्या आप दुकान के किसी व्यक्ति से बात करना चाहेंगे? (ऑर्डर के लिए बस सामान और मात्रा भेजें, जैसे "Cement x 100"।)
handoff-offer-yes = व्यक्ति से बात करें
handoff-offer-no = नहीं, धन्यवाद
handoff-declined = ठीक है! कुछ और पूछें, या "Cement x 100" जैसा ऑर्डर भेजें।
handoff-words = व्यक्ति से बात, किसी से बात करनी है, इंसान से बात, insaan se baat, vyakti se baat, एजेंट
handoff-bot-words = बॉट, बॉट पर वापस, bot par wapas
handoff-opened = मैंने दुकान के एक व्यक्ति को बुलाया है। वे जल्द ही यहीं जवाब देंगे, और आप जो भी लिखेंगे वह उन तक पहुँचेगा। मुझसे दोबारा बात करने के लिए "bot" भेजें।
handoff-already = दुकान के एक व्यक्ति के पास आपकी बातचीत पहले से है, वे यहीं जवाब देंगे। मुझसे दोबारा बात करने के लिए "bot" भेजें।
handoff-released = दुकान की टीम ने आपको वापस मेरे पास भेज दिया है। मैं क्या कर सकता हूँ, देखने के लिए "menu" लिखें।
handoff-released-idle = कुछ देर से किसी ने कुछ नहीं लिखा, इसलिए आप वापस मेरे पास हैं। दुकान की टीम से बात करने के लिए कभी भी "व्यक्ति से बात" लिखें।
handoff-left = ठीक है, आप वापस मेरे पास हैं। मैं क्या कर सकता हूँ, देखने के लिए "menu" लिखें।
