## Languages, the profile form, support answers and handoff.

## The choice of language

# Asked on first contact (in every language, a line each) and after "language".
language-choose = Which language would you like? Tap one below.
# The list's button, when there are more than three languages.
language-button = Languages
language-set = Okay, I'll write in English from now on. Say "language" to change it.
# Words that show the choice, comma-separated.
language-words = language, languages, change language
# More names a customer may type to pick this language, comma-separated.
language-aliases = english, eng, angrezi

## The profile form ("register"; its buttons and refusals are in forms.ftl)

# More words that start it, comma-separated ("register" and "profile" always do).
profile-start-words = registration, sign up
profile-before-first-order = Before your first order, a few details for your invoice. Send "cancel" to skip them.
profile-name-question = What's your name?
profile-name-label = Name
profile-business-question = Your business's name?
profile-business-label = Business
profile-gstin-question = Your business's GSTIN (15 characters, e.g. 27AAPFU0939F1ZV)?
profile-gstin-label = GSTIN
profile-address-question = Your delivery address (street, area, city, PIN code)?
profile-address-label = Address
profile-language-question = Which language should we use?
profile-language-label = Language
# $name: the name they gave.
profile-saved = Thank you, { $name }! Your profile is saved and your invoices will show it. Send "register" any time to change it.

## Why a GSTIN is refused

gstin-length = A GSTIN has 15 letters and digits.
gstin-state = A GSTIN starts with your state's two-digit code (01 to 38).
gstin-pan = Characters 3 to 12 of a GSTIN are your PAN: five letters, four digits, a letter.
gstin-entity = The 13th character of a GSTIN is 1-9 or a letter, and the 14th is Z.
gstin-check = That GSTIN's last character doesn't match the rest: please check it for a typo.

## Support answers and handoff to a person

handoff-offer = I'm not sure I can answer that. Would you like to talk to a person from the shop? (To order, just send products and quantities, e.g. "Cement x 100".)
# Button titles: at most 20 characters.
handoff-offer-yes = Talk to a person
handoff-offer-no = No, thanks
handoff-declined = Okay! Ask me something else, or send an order like "Cement x 100".
# Messages that ask for a person, comma-separated.
handoff-words = talk to a person, person, human, agent, operator, customer care, talk to someone, talk to human
# Messages with which a customer handed to a person comes back to the bot.
handoff-bot-words = bot, back to bot, talk to bot
handoff-opened = I've asked a person from the shop to take over. They'll reply here soon, and everything you write reaches them. Send "bot" to come back to me.
handoff-already = A person from the shop already has your conversation and will reply here. Send "bot" to come back to me.
handoff-released = The shop's team has handed you back to me. Say "menu" to see what I can do.
handoff-released-idle = Nobody has written for a while, so you're back with me. Say "talk to a person" any time to reach the shop's team.
handoff-left = Okay, you're back with me. Say "menu" to see what I can do.
