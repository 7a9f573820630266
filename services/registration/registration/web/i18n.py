"""Dutch and English words of the pages. Dutch is the default; ``?lang=en`` switches."""
import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import request
from wijkkracht import validation

from .. import config

LANGS = ("nl", "en")

TEXT = {
    "site": ("Wijkkracht", "Wijkkracht"),
    "skip": ("Naar de inhoud", "Skip to content"),
    "switch": ("English", "Nederlands"),
    "upcoming": ("Wijkkracht-avonden", "Wijkkracht evenings"),
    "intro": ("Ontmoet je buren en de initiatieven in je wijk. Aanmelden is gratis.",
              "Meet your neighbours and the initiatives in your area. Signing up is free."),
    "none_upcoming": ("Er zijn nu geen avonden gepland.", "No evenings are planned right now."),
    "sign_up": ("Aanmelden", "Sign up"),
    "sign_up_for": ("Aanmelden voor", "Sign up for"),
    "full": ("Vol: je komt op de wachtlijst", "Full: you will be on the waiting list"),
    "places_left": ("plaatsen vrij", "places left"),
    "initiative_cta": ("Heb je een initiatief? Meld het aan", "Do you run an initiative? Register it"),
    "name": ("Naam", "Name"),
    "email": ("E-mailadres", "Email address"),
    "phone": ("Mobiel nummer", "Mobile number"),
    "phone_hint": ("Bijvoorbeeld 06 12345678", "For example 06 12345678"),
    "postcode": ("Postcode", "Postcode"),
    "optional": ("niet verplicht", "optional"),
    "channel": ("Hoe willen we je berichten sturen?", "How should we send you messages?"),
    "channel_email": ("Per e-mail", "By email"),
    "channel_sms": ("Per sms", "By text message (SMS)"),
    "contact_hint": ("Vul je e-mailadres of je mobiele nummer in (of allebei).",
                     "Give your email address or your mobile number (or both)."),
    "languages": ("Welke talen spreek je?", "Which languages do you speak?"),
    "interests": ("Waar heb je zin in?", "What would you like to do?"),
    "consent": ("Toestemming", "Consent"),
    "consent_contact": ("Ja, jullie mogen mij berichten sturen over deze avond (bevestiging, herinnering, "
                        "mijn kleur).", "Yes, you may send me messages about this evening (confirmation, "
                        "reminder, my colour)."),
    "consent_share": ("Ja, initiatieven mogen mijn naam en contactgegevens krijgen als ik mij bij hen wil "
                      "aansluiten.", "Yes, initiatives may receive my name and contact details if I want "
                      "to join them."),
    "companions": ("Kom je samen met iemand?", "Are you coming with someone?"),
    "companions_hint": ("Vul hun naam in. We zetten jullie aan verschillende tafels, zodat je nieuwe mensen "
                        "ontmoet.", "Give their names. We will seat you at different tables, so you meet "
                        "new people."),
    "companion": ("Meegenomen persoon", "Companion"),
    "submit_signup": ("Aanmelden", "Sign up"),
    "errors_title": ("Er ging iets mis. Kijk bij de velden met een melding.",
                     "Something is not right. Please check the fields with a message."),
    "thanks": ("Je bent aangemeld!", "You are signed up!"),
    "waitlisted": ("De avond is vol. Je staat op de wachtlijst; komt er een plek vrij, dan krijg je bericht.",
                   "The evening is full. You are on the waiting list; if a place comes free, we will let "
                   "you know."),
    "your_code": ("Jouw persoonlijke code", "Your personal code"),
    "code_hint": ("Noem deze code bij de deur. Je krijgt hem ook in je bevestiging.",
                  "Say this code at the door. You will also get it in your confirmation."),
    "companions_registered": ("Ook aangemeld", "Also signed up"),
    "cancel_link": ("Kun je toch niet? Meld je af", "Can't make it after all? Cancel"),
    "cancel_title": ("Afmelden", "Cancel your place"),
    "cancel_question": ("Wil je je afmelden voor deze avond? Je plek gaat dan naar iemand op de wachtlijst.",
                        "Do you want to cancel your place for this evening? It will go to someone on the "
                        "waiting list."),
    "cancel_confirm": ("Ja, meld mij af", "Yes, cancel my place"),
    "cancelled": ("Je bent afgemeld. Jammer dat je niet kunt komen!", "Your place is cancelled. Sorry you "
                  "can't make it!"),
    "bad_link": ("Deze link klopt niet of is verlopen.", "This link is not valid or has expired."),
    "when": ("Wanneer", "When"),
    "where": ("Waar", "Where"),
    "with_partners": ("Met", "With"),
    "back": ("Terug naar de avonden", "Back to the evenings"),
    "error_title": ("Er ging iets mis", "Something went wrong"),
    "csrf": ("Het formulier is verlopen. Probeer het opnieuw.", "The form has expired. Please try again."),
    "too_many": ("Te veel pogingen. Wacht even en probeer het opnieuw.",
                 "Too many attempts. Please wait a moment and try again."),
    "not_found": ("Deze pagina bestaat niet.", "This page does not exist."),
    "closed": ("Aanmelden voor deze avond is gesloten.", "Sign-up for this evening is closed."),
    # initiatives
    "initiative_title": ("Initiatief aanmelden", "Register an initiative"),
    "initiative_intro": ("Vertel bewoners wat jullie doen en wie jullie zoeken.",
                         "Tell residents what you do and who you are looking for."),
    "initiative_name": ("Naam van het initiatief", "Name of the initiative"),
    "description": ("Wat doen jullie?", "What do you do?"),
    "area": ("Wijk", "Area"),
    "contact_person": ("Contactpersoon", "Contact person"),
    "themes": ("Thema's", "Themes"),
    "target_groups": ("Voor wie?", "For whom?"),
    "looking_for": ("Wie zoeken jullie?", "Who are you looking for?"),
    "roles": ("Vrijwilligersrollen", "Volunteer roles"),
    "role": ("Rol", "Role"),
    "role_title": ("Naam van de rol", "Role title"),
    "role_description": ("Wat houdt het in?", "What does it involve?"),
    "capacity": ("Hoeveel mensen?", "How many people?"),
    "submit_initiative": ("Initiatief aanmelden", "Register initiative"),
    "initiative_done": ("Dank je wel! Jullie initiatief is aangemeld.", "Thank you! Your initiative is "
                        "registered."),
    # organiser and door
    "login": ("Inloggen", "Log in"),
    "password": ("Wachtwoord", "Password"),
    "login_failed": ("E-mailadres of wachtwoord klopt niet.", "Email address or password is not right."),
    "logout": ("Uitloggen", "Log out"),
    "console": ("Avonden beheren", "Manage evenings"),
    "door": ("Deur", "Door"),
    "door_title": ("Aanmelden bij de deur", "Check-in at the door"),
    "search": ("Zoek op naam of code", "Search by name or code"),
    "search_button": ("Zoeken", "Search"),
    "check_in": ("Inchecken", "Check in"),
    "checked_in": ("Ingecheckt", "Checked in"),
    "no_match": ("Niemand gevonden. Schrijf de persoon hieronder in.",
                 "No one found. Sign the person up below."),
    "walk_in": ("Zonder aanmelding binnengelopen", "Walk-in without sign-up"),
    "walk_in_button": ("Inschrijven en inchecken", "Sign up and check in"),
    "arrivals": ("Binnen", "Arrived"),
    "colour": ("Kleur", "Colour"),
    "table": ("Tafel", "Table"),
    "colour_pending": ("kleur volgt…", "colour coming…"),
    "refresh": ("Vernieuwen", "Refresh"),
    "open_checkin": ("Deur openen", "Open the door"),
    "start": ("Avond starten", "Start the evening"),
    "close": ("Avond afsluiten", "Close the evening"),
    "status": ("Status", "Status"),
    "interests_title": ("Bij welke initiatieven wil deze bewoner aansluiten?",
                        "Which initiatives would this resident like to join?"),
    "save": ("Opslaan", "Save"),
    "saved": ("Opgeslagen.", "Saved."),
    "interests_link": ("Interesse", "Interests"),
    "confirmed": ("aangemeld", "confirmed"),
    "status_waitlisted": ("wachtlijst", "waiting list"),
    "status_scheduled": ("gepland", "scheduled"),
    "status_checkin_open": ("deur open", "door open"),
    "status_started": ("begonnen", "started"),
    "status_closed": ("afgesloten", "closed"),
}

FIELD_MESSAGES = {
    "Missing data for required field.": ("Vul dit in.", "Please fill this in."),
    "Field may not be null.": ("Vul dit in.", "Please fill this in."),
    "Length must be between 1 and 120.": ("Vul dit in (hooguit 120 tekens).", "Please fill this in (at most "
                                          "120 characters)."),
    "Not a valid email address.": ("Dit is geen geldig e-mailadres.", "This is not a valid email address."),
    "Not a valid phone number.": ("Dit is geen geldig telefoonnummer, bijvoorbeeld 06 12345678.",
                                  "This is not a valid phone number, for example 06 12345678."),
    "Not a Dutch postcode (1234 AB).": ("Dit is geen postcode, bijvoorbeeld 3031 AB.",
                                        "This is not a postcode, for example 3031 AB."),
    "Consent to be contacted is needed.": ("We hebben je toestemming nodig om je berichten te sturen.",
                                           "We need your consent to send you messages."),
    "Give an email address or a phone number.": ("Vul een e-mailadres of een mobiel nummer in.",
                                                 "Give an email address or a mobile number."),
    "Needed for the channel you chose.": ("Nodig voor de manier die je koos.", "Needed for the way you chose."),
    "Must be one of: email, sms.": ("Kies e-mail of sms.", "Choose email or SMS."),
    "Use letters, digits and punctuation only.": ("Gebruik alleen letters, cijfers en leestekens.",
                                                  "Use letters, digits and punctuation only."),
}
FIELD_MESSAGES.update(validation.FIELD_MESSAGES)  # what every service refuses, in both languages


def current_lang() -> str:
    lang = request.values.get("lang") or request.args.get("lang")
    return lang if lang in LANGS else "nl"


def t(key: str, lang: str | None = None) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if (lang or current_lang()) == "en" else pair[0]


def field_message(message: str, lang: str) -> str:
    pair = FIELD_MESSAGES.get(message)
    if pair is None:
        return "Controleer dit veld." if lang == "nl" else "Please check this field."
    return pair[1] if lang == "en" else pair[0]


def when(value: dt.datetime, lang: str) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    pattern = "EEEE d MMMM y 'om' HH:mm" if lang == "nl" else "EEEE d MMMM y 'at' HH:mm"
    return format_datetime(value, pattern, tzinfo=ZoneInfo(config.timezone()), locale=lang)
