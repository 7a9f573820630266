"""Dutch and English words of the pages. Dutch is the default; ``?lang=en`` switches, a choice is kept in a cookie,
and the residents' pages follow the browser's Accept-Language when nothing was chosen."""
import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import g, request
from werkzeug.exceptions import RequestEntityTooLarge
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
    "initiative_name": ("Naam van het initiatief", "Name of the initiative"),
    "description": ("Wat doen jullie?", "What do you do?"),
    "area": ("Wijk", "Area"),
    "contact_person": ("Contactpersoon", "Contact person"),
    "themes": ("Thema's", "Themes"),
    "target_groups": ("Voor wie?", "For whom?"),
    "looking_for": ("Wie zoeken jullie?", "Who are you looking for?"),
    "roles": ("Vrijwilligersrollen", "Volunteer roles"),
    "submit_initiative": ("Initiatief aanmelden", "Register initiative"),
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
    # --- door (H5) ---
    "door_search_label": ("Zoek op naam of code, of de laatste 4 cijfers van het telefoonnummer",
                          "Search by name or code, or the last 4 digits of the phone number"),
    "door_search_hint": ("Hoofdletters en accenten maken niet uit: ayse vindt Ayşe.",
                         "Capitals and accents don't matter: ayse finds Ayşe."),
    "door_found": ("Gevonden", "Found"),
    "door_no_name": ("Niemand gevonden met deze naam. Vraag naar de code uit de bevestiging, of naar de laatste "
                     "4 cijfers van het telefoonnummer.", "No one found with this name. Ask for the code in "
                     "their confirmation, or the last 4 digits of their phone number."),
    "door_no_code": ("Niemand gevonden met deze code of dit nummer. Niet aangemeld? Schrijf de persoon in als "
                     "binnenloper.", "No one found with this code or number. Not signed up? Sign the person "
                     "up as a walk-in."),
    "door_to_walk_in": ("Binnenloper inschrijven", "Sign up a walk-in"),
    "door_undo": ("Inchecken ongedaan maken", "Undo check-in"),
    "door_undo_confirm": ("Zeker? Tik nog een keer", "Sure? Tap again"),
    "undone": ("Inchecken ongedaan gemaakt", "Check-in undone"),
    "undo_not_checked_in": ("Deze persoon is niet ingecheckt.", "This person is not checked in."),
    "door_live": ("Kleuren verschijnen hier vanzelf.", "Colours appear here by themselves."),
    "door_yes": ("Ja", "Yes"),
    "door_no": ("Nee", "No"),
    "walk_in_ask": ("Vraag het de bewoner, en kies bij elke vraag ja of nee.",
                    "Ask the resident, and choose yes or no for each question."),
    "walk_in_contact_q": ("Mogen we je berichten sturen over deze avond, zoals je kleur?",
                          "May we send you messages about this evening, such as your colour?"),
    "walk_in_share_q": ("Mogen initiatieven je naam en contactgegevens krijgen als je mee wilt doen?",
                        "May initiatives get your name and contact details if you want to join them?"),
    "walk_in_ask_contact": ("Kies ja of nee: mogen we berichten sturen?", "Choose yes or no: may we send "
                            "messages?"),
    "walk_in_ask_share": ("Kies ja of nee: mogen initiatieven de gegevens krijgen?", "Choose yes or no: may "
                          "initiatives get the details?"),
    "walk_in_no_contact": ("Bij nee bewaren we geen telefoon of e-mail.",
                           "If no, we keep no phone number or email."),
    # --- end door (H5) ---
    # --- language/copy (H8) ---
    "channel_short": ("Berichten", "Messages"),
    "languages_short": ("Talen", "Languages"),
    "interests_short": ("Waar heb je zin in", "What you would like to do"),
    "waitlisted_title": ("Je staat op de wachtlijst", "You are on the waiting list"),
    "evening_over": ("Deze avond is voorbij. Bedankt!", "This evening is over. Thank you!"),
    "presenting": ("Initiatieven die zich voorstellen", "Initiatives presenting"),
    "address": ("Adres", "Address"),
    "optional_sms": ("niet verplicht als je e-mail kiest", "optional if you choose email"),
    # --- end language/copy (H8) ---
    # --- console (H4) ---
    "ev_title": ("Titel", "Title"),
    "ev_date": ("Datum", "Date"),
    "ev_time": ("Begintijd", "Starting time"),
    "ev_venue": ("Locatie", "Venue"),
    "ev_address": ("Adres", "Street address"),
    "ev_area": ("Wijk", "Area"),
    "ev_partners": ("Partners", "Partners"),
    "ev_initiative_ids": ("Initiatieven die presenteren", "Presenting initiatives"),
    "ev_initiative_filter": ("Zoek een initiatief", "Find an initiative"),
    "ev_capacity": ("Aantal plaatsen", "Places"),
    "ev_group_size": ("Mensen per tafel", "People per table"),
    "ev_slot_minutes": ("Minuten per ronde", "Minutes per round"),
    "ev_max_minutes": ("Langste programma in minuten", "Longest programme in minutes"),
    "hint_date": ("Bijvoorbeeld 14-01-2027.", "For example 14-01-2027."),
    "hint_time": ("Nederlandse tijd, bijvoorbeeld 19:30.", "Dutch time (Amsterdam), for example 19:30."),
    "hint_address": ("Straat en huisnummer, zodat bewoners het vinden.",
                     "Street and number, so residents can find it."),
    "hint_partners": ("Eén partner per regel.", "One partner per line."),
    "hint_capacity": ("Leeg: geen grens. Daarna komen mensen op de wachtlijst.",
                      "Empty: no limit. Beyond it people go on the waiting list."),
    "hint_group_size": ("Gemiddeld, meestal 6.", "On average, usually 6."),
    "hint_slot_minutes": ("Hoe lang een initiatief aan een tafel is, meestal 20.",
                          "How long an initiative stays at a table, usually 20."),
    "hint_max_minutes": ("Leeg: de standaard (180 minuten).", "Empty: the default (180 minutes)."),
    "no_approved": ("Er zijn nog geen goedgekeurde initiatieven.", "There are no approved initiatives yet."),
    "new_evening": ("Nieuwe avond", "New evening"),
    "edit_evening": ("Avond bewerken", "Edit evening"),
    "create_evening": ("Avond aanmaken", "Create evening"),
    "save_evening": ("Wijzigingen opslaan", "Save changes"),
    "cancel_edit": ("Terug zonder opslaan", "Back without saving"),
    "evening_created": ("Avond aangemaakt: {title}", "Evening created: {title}"),
    "evening_saved": ("Avond opgeslagen: {title}", "Evening saved: {title}"),
    "upcoming_evenings": ("Komende avonden", "Upcoming evenings"),
    "past_evenings": ("Eerdere avonden", "Past evenings"),
    "no_evenings": ("Nog geen avonden.", "No evenings yet."),
    "col_evening": ("Avond", "Evening"),
    "col_next": ("Volgende stap", "Next step"),
    "col_confirmed": ("Aangemeld", "Signed up"),
    "all_past": ("Alle eerdere avonden", "All past evenings"),
    "col_pages": ("Pagina's", "Pages"),
    "edit": ("Bewerken", "Edit"),
    "programme": ("Programma", "Programme"),
    "matches": ("Koppelingen", "Matches"),
    "no_next_step": ("Klaar", "Done"),
    "close_title": ("Avond afsluiten?", "Close the evening?"),
    "close_warning": ("Na het afsluiten kun je niemand meer inchecken en de avond niet meer wijzigen. De matching "
                      "begint meteen en stuurt bewoners en initiatieven bericht. Dit kun je niet ongedaan maken.",
                      "After closing you can no longer check anyone in or change the evening. Matching starts "
                      "at once and sends messages to residents and initiatives. This cannot be undone."),
    "close_yes": ("Ja, sluit de avond af", "Yes, close the evening"),
    "close_no": ("Nee, terug naar de avonden", "No, back to the evenings"),
    "step_done_open_checkin": ("De deur is open: {title}", "The door is open: {title}"),
    "step_done_start": ("De avond is begonnen: {title}", "The evening has started: {title}"),
    "step_done_close": ("De avond is afgesloten: {title}", "The evening is closed: {title}"),
    "err_cannot": ("'{step}' kan niet: deze avond is al {status}.",
                   "'{step}' is not possible: this evening is already {status}."),
    "err_already": ("Deze avond is intussen al {status}.", "This evening is already {status}."),
    "err_closed_edit": ("Een afgesloten avond kun je niet meer wijzigen.", "A closed evening can no longer be "
                        "changed."),
    "err_not_approved": ("Kies alleen goedgekeurde initiatieven.", "Choose approved initiatives only."),
    "err_generic": ("Dat lukte niet. Probeer het opnieuw.", "That did not work. Please try again."),
    "approvals_title": ("Initiatieven die wachten op goedkeuring", "Initiatives waiting for approval"),
    "approvals_none": ("Er wachten geen initiatieven.", "No initiatives are waiting."),
    "approvals_link": ("Initiatieven goedkeuren", "Approve initiatives"),
    "approvals_waiting": ("wachten", "waiting"),
    "approve": ("Goedkeuren", "Approve"),
    "initiative_approved": ("Goedgekeurd: {name}. Het kan nu presenteren.",
                            "Approved: {name}. It can present now."),
    "registered_at": ("Aangemeld op", "Registered on"),
    "minutes": ("minuten", "minutes"),
    "places": ("plaatsen", "places"),
    # --- programme (H7) ---
    "programme_title": ("Programma van de avond", "The evening's programme"),
    "programme_not_yet": ("Er is nog geen programma. Het komt hier zodra de avond is gestart: dan staan hier de "
                          "rondes, de tafels en de vragen.", "There is no programme yet. It shows here once "
                          "the evening has started: then you see the rounds, the tables and the questions."),
    "round": ("Ronde", "Round"),
    "time": ("Tijd", "Time"),
    "initiative": ("Initiatief", "Initiative"),
    "question": ("Vraag", "Question"),
    "no_initiative": ("Geen initiatief: praat verder aan tafel", "No initiative: keep talking at your table"),
    "unknown_initiative": ("een initiatief", "an initiative"),
    "host_hint": ("Tafelhost: stel aan het begin van elke ronde de vraag. Na {minutes} minuten wisselen de "
                  "initiatieven van tafel.", "Table host: ask the question at the start of each round. After "
                  "{minutes} minutes the initiatives move to another table."),
    "table_cards": ("Tafelkaarten", "Table cards"),
    "cards_hint": ("Eén kaart per tafel, elk op een eigen A4. Druk af met Ctrl+P.",
                   "One card per table, each on its own A4 page. Print with Ctrl+P."),
    "print": ("Afdrukken", "Print"),
    "hall": ("Zaalscherm", "Hall screen"),
    "hall_now": ("Nu", "Now"),
    "hall_next_rotation": ("Wisselen over", "Next rotation in"),
    "hall_end_in": ("Einde over", "Ends in"),
    "hall_starts_in": ("Begint over", "Starts in"),
    "hall_goes_to": ("gaat naar", "goes to"),
    "hall_done": ("klaar", "done"),
    "hall_pause": ("pauze", "break"),
    "hall_after": ("Alle rondes zijn voorbij. Dank je wel!", "All rounds are over. Thank you!"),
    "hall_of": ("van", "of"),
    "theme_light": ("Licht scherm", "Light screen"),
    "theme_dark": ("Donker scherm", "Dark screen"),
    "your_evening": ("Jouw avond", "Your evening"),
    "your_colour": ("Jouw kleur", "Your colour"),
    "colour_at_door": ("Je krijgt je kleur bij de deur.", "You get your colour at the door."),
    "your_programme": ("Jouw programma aan tafel", "Your programme at the table"),
    "wait_programme": ("Het programma staat hier zodra de avond begint.",
                       "The programme shows here once the evening starts."),
    "join_title": ("Bij welke initiatieven wil je meedoen?", "Which initiatives would you like to join?"),
    "join_hint": ("Kies er zoveel als je wilt. Na de avond hoor je van ons.",
                  "Choose as many as you like. After the evening you will hear from us."),
    "join_saved": ("Dank je! We hebben je keuze bewaard.", "Thank you! We saved your choice."),
    "evening_done": ("De avond is afgelopen. Dank je wel dat je er was!",
                     "The evening is over. Thank you for coming!"),
    "link_gone": ("Deze link werkt niet (meer).", "This link does not work (any more)."),
    # --- end programme (H7) ---
    # --- report page (H6b) ---
    "report_title": ("Rapport", "Report"),
    "report_pick": ("Welke avonden?", "Which evenings?"),
    "report_pick_evenings": ("Kies avonden", "Choose evenings"),
    "report_or_period": ("Of kies een periode en een wijk", "Or choose a period and an area"),
    "report_from": ("Van (datum)", "From (date)"),
    "report_to": ("Tot en met (datum)", "Up to and including (date)"),
    "report_all_areas": ("Alle wijken", "All areas"),
    "report_show": ("Rapport tonen", "Show report"),
    "report_no_evenings": ("Nog geen avonden.", "No evenings yet."),
    "report_choose": ("Kies hierboven avonden, of een periode en een wijk.",
                      "Choose evenings above, or a period and an area."),
    "report_bad_date": ("Dit is geen datum, bijvoorbeeld 2026-12-12.", "This is not a date, for example 2026-12-12."),
    "report_to_before_from": ("Deze datum ligt voor de begindatum.", "This date is before the start date."),
    "report_at_a_glance": ("In het kort", "At a glance"),
    "report_attendances": ("Keer aanwezig (alle avonden samen)", "Attendances (all evenings together)"),
    "report_returning": ("Bewoners die vaker kwamen", "Residents who came back"),
    "report_walk_ins": ("Binnenlopers", "Walk-ins"),
    "report_new_encounters": ("Nieuwe ontmoetingen", "New encounters"),
    "report_repeat_encounters": ("Weer samen aan tafel", "Met again at a table"),
    "report_volunteers": ("Bewoners met een vrijwilligersrol", "Residents who found a volunteer role"),
    "report_pairs": ("Initiatieven aan elkaar gekoppeld", "Initiative pairs accepted"),
    "report_collaborations": ("Samenwerkingen", "Collaborations"),
    "report_small_cells": ("Aantallen onder de 5 staan er als \u201c< 5\u201d, zodat niemand herkenbaar is.",
                           "Numbers under 5 are shown as \u201c< 5\u201d, so no one can be recognised."),
    "report_csv_series": ("Download de cijfers (CSV)", "Download the figures (CSV)"),
    "report_csv_evening": ("CSV", "CSV"),
    "report_charts": ("In beeld", "In pictures"),
    "report_chart_attendance": ("Aanmeldingen en aanwezigen per avond", "Sign-ups and attendance per evening"),
    "report_chart_areas": ("Bewoners per wijk waar ze wonen", "Residents by the area they live in"),
    "report_chart_funnel": ("Per initiatief: van tafel tot vrijwilliger", "Per initiative: from table to volunteer"),
    "report_chart_encounters": ("Nieuwe ontmoetingen en herhalingen per avond", "New encounters and repeats per evening"),
    "report_no_figures": ("Nog geen cijfers.", "No figures yet."),
    "report_signed_up": ("Aangemeld", "Signed up"),
    "report_attended": ("Aanwezig", "Attended"),
    "report_no_shows": ("Niet gekomen", "No-shows"),
    "report_tables": ("Tafels", "Tables"),
    "report_area_unknown": ("Onbekend", "Unknown"),
    "report_stage_met": ("Aan tafel ontmoet", "Met at the table"),
    "report_stage_interested": ("Interesse", "Interested"),
    "report_stage_suggested": ("Voorgesteld", "Suggested"),
    "report_stage_accepted": ("Geaccepteerd", "Accepted"),
    "report_evenings": ("De avonden", "The evenings"),
    "report_evening": ("Avond", "Evening"),
    "report_no_collaborations": ("Nog geen samenwerkingen vastgelegd.", "No collaborations recorded yet."),
    "report_record_collaboration": ("Samenwerking vastleggen", "Record a collaboration"),
    "report_initiative_a": ("Initiatief", "Initiative"),
    "report_initiative_b": ("Samen met", "Together with"),
    "report_choose_initiative": ("Kies een initiatief", "Choose an initiative"),
    "report_collaboration_date": ("Datum", "Date"),
    "report_collaboration_what": ("Wat deden ze samen?", "What did they do together?"),
    "report_collaboration_hint": ("Kort, bijvoorbeeld: kerststukjes gemaakt.",
                                  "Short, for example: made Christmas decorations."),
    "report_save_collaboration": ("Samenwerking opslaan", "Save collaboration"),
    "report_collaboration_saved": ("Samenwerking opgeslagen.", "Collaboration saved."),
    "report_pick_initiative": ("Kies een initiatief.", "Choose an initiative."),
    "report_unknown_initiative": ("Dit initiatief is niet (meer) goedgekeurd.", "This initiative is not approved."),
    "report_same_initiative": ("Kies twee verschillende initiatieven.", "Choose two different initiatives."),
    "report_missing_date": ("Vul de datum in.", "Please fill in the date."),
    "report_missing_description": ("Schrijf kort wat ze samen deden.", "Write briefly what they did together."),
    "report_long_description": ("Houd het kort: hooguit 200 tekens.", "Keep it short: at most 200 characters."),
    "report_link": ("Rapport", "Report"),
    "report_stage_groups": ("Groepen aan tafel", "Table groups met"),
    "report_period_too_long": ("Kies een periode van hooguit 5 jaar.", "Choose a period of at most 5 years."),
    "report_unknown_evening": ("Deze avond bestaat niet.", "This evening does not exist."),
    "report_not_saved": ("Niet opgeslagen. Probeer het opnieuw.", "Not saved. Please try again."),
    "report_collaboration_evening": ("Na welke avond?", "After which evening?"),
    "report_no_evening": ("Geen bepaalde avond", "No particular evening"),
    "report_drawn_only": ("Per avond en per initiatief staan hier de laatste {n} avonden; de cijfers hierboven en "
                          "de CSV tellen alle avonden.", "Per evening and per initiative this shows the latest {n} "
                          "evenings; the figures above and the CSV count every evening."),
    "report_more_initiatives": ("En nog {n} initiatieven met minder groepen; de CSV per avond heeft ze allemaal.",
                                "And {n} more initiatives that met fewer groups; each evening's CSV has them all."),
    # --- end report page (H6b) ---
    # --- outcomes (H6a) ---
    "matches_title": ("Koppelingen", "Matches"),
    "matches_back": ("Terug naar de avonden", "Back to the evenings"),
    "matches_summary": ("{suggestions} suggesties voor {residents} bewoners: {accepted} ja, {declined} nee. "
                        "{pairs} introducties tussen initiatieven.",
                        "{suggestions} suggestions for {residents} residents: {accepted} yes, {declined} no. "
                        "{pairs} introductions between initiatives."),
    "matches_residents": ("Bewoners en hun suggesties", "Residents and their suggestions"),
    "matches_resident": ("Bewoner", "Resident"),
    "matches_initiative_role": ("Initiatief en rol", "Initiative and role"),
    "matches_why": ("Waarom", "Why"),
    "matches_answer": ("Antwoord", "Answer"),
    "matches_sent": ("Bericht", "Message"),
    "matches_answer_accepted": ("Ja", "Yes"),
    "matches_answer_declined": ("Nee", "No"),
    "matches_answer_none": ("Nog geen antwoord", "No answer yet"),
    "matches_no_suggestion": ("Geen suggestie", "No suggestion"),
    "matches_none_yet": ("Nog geen suggesties. Ze komen een paar seconden nadat de avond is afgesloten.",
                         "No suggestions yet. They come a few seconds after the evening is closed."),
    "matches_pairs": ("Introducties tussen initiatieven", "Introductions between initiatives"),
    "matches_pair": ("Initiatieven", "Initiatives"),
    "matches_no_pairs": ("Geen introducties tussen initiatieven.", "No introductions between initiatives."),
    "matches_nothing_sent": ("Nog niets verstuurd", "Nothing sent yet"),
    "matches_unknown_resident": ("(onbekend)", "(unknown)"),
    "matches_kind_thanks": ("Suggesties", "Suggestions"),
    "matches_kind_introduction": ("Kennismaking", "Introduction"),
    "matches_kind_initiative_introduction": ("Introductie", "Introduction"),
    "matches_status_sent": ("verstuurd", "sent"),
    "matches_status_failed": ("mislukt", "failed"),
    "matches_status_suppressed": ("niet verstuurd", "not sent"),
    "matches_channel_email": ("e-mail", "email"),
    "matches_channel_sms": ("sms", "text message"),
    # --- end outcomes (H6a) ---
    # --- ideas (H3, issue 12) ---
    "idea_title": ("Deel je idee", "Share your idea"),
    "idea_intro": ("Heb je een idee voor de wijk? Schrijf het hier op. Initiatieven die erbij passen, kunnen het "
                   "lezen.", "Do you have an idea for the neighbourhood? Write it here. Initiatives that fit it "
                   "can read it."),
    "idea_cta": ("Heb je een idee voor de wijk?", "Do you have an idea for the neighbourhood?"),
    "idea_cta_link": ("Deel je idee", "Share your idea"),
    "idea_label_text": ("Jouw idee", "Your idea"),
    "idea_text_hint": ("Schrijf het in je eigen woorden. Hooguit 1000 tekens.",
                       "Write it in your own words. At most 1000 characters."),
    "idea_label_themes": ("Waar gaat je idee over?", "What is your idea about?"),
    "idea_about_you": ("Over jou", "About you"),
    "idea_about_you_hint": ("Wil je dat een initiatief contact met je opneemt? Vul dan je naam en je e-mailadres of "
                            "telefoonnummer in, en zet het vinkje aan.", "Would you like an initiative to contact "
                            "you? Then give your name and your email address or phone number, and tick the box."),
    "idea_label_name": ("Naam", "Name"),
    "idea_label_email": ("E-mailadres", "Email address"),
    "idea_label_phone": ("Telefoonnummer", "Phone number"),
    "idea_label_may_contact": ("Initiatieven mogen contact met mij opnemen over dit idee.",
                               "Initiatives may contact me about this idea."),
    "idea_may_contact_hint": ("Alleen dan zien initiatieven je naam, e-mailadres of telefoonnummer.",
                              "Only then do initiatives see your name, email address or phone number."),
    "idea_submit": ("Idee versturen", "Send my idea"),
    "idea_thanks": ("Dank je wel! We hebben je idee bewaard.", "Thank you! We saved your idea."),
    "idea_another": ("Nog een idee delen", "Share another idea"),
    "idea_back": ("Terug naar jouw avond", "Back to your evening"),
    "idea_err_text_missing": ("Schrijf je idee op.", "Please write down your idea."),
    "idea_err_text_too_long": ("Je idee is te lang: hooguit 1000 tekens.", "Your idea is too long: at most 1000 "
                               "characters."),
    "idea_err_text_bad_characters": ("In je idee staan tekens die we niet kunnen bewaren. Haal ze weg.",
                                     "Your idea holds characters we cannot keep. Please remove them."),
    "idea_err_text_too_many": ("Je hebt al veel ideeën gedeeld voor deze avond. Dank je wel!",
                               "You have shared many ideas for this evening already. Thank you!"),
    "idea_err_themes_unknown_theme": ("Kies een onderwerp uit de lijst.", "Choose a topic from the list."),
    "idea_err_name_too_long": ("Je naam is te lang: hooguit 120 tekens.", "Your name is too long: at most 120 "
                               "characters."),
    "idea_err_name_bad_characters": ("In je naam staan tekens die we niet kunnen bewaren. Haal ze weg.",
                                     "Your name holds characters we cannot keep. Please remove them."),
    "idea_err_email_bad_email": ("Dit is geen geldig e-mailadres, bijvoorbeeld naam@voorbeeld.nl.",
                                 "This is not a valid email address, for example name@example.org."),
    "idea_err_email_needs_contact": ("Vul je e-mailadres of telefoonnummer in, zodat initiatieven je kunnen "
                                     "bereiken. Of zet het vinkje uit.", "Give your email address or phone "
                                     "number, so initiatives can reach you. Or untick the box."),
    "idea_err_phone_bad_phone": ("Dit is geen geldig telefoonnummer, bijvoorbeeld 06 12345678.",
                                 "This is not a valid phone number, for example 06 12345678."),
    "ideas_for_initiative_title": ("Ideeën van bewoners", "Residents' ideas"),
    "ideas_for_initiative_intro": ("Ideeën die bewoners deelden over jullie onderwerpen, de nieuwste eerst.",
                                   "Ideas residents shared on your topics, newest first."),
    "ideas_none": ("Nog geen ideeën over jullie onderwerpen.", "No ideas on your topics yet."),
    "ideas_about": ("Over", "About"),
    "ideas_shared_at": ("Gedeeld bij", "Shared at"),
    "ideas_contact": ("Neem contact op met", "Contact"),
    "ideas_no_contact": ("Deze bewoner vroeg niet om contact.", "This resident did not ask to be contacted."),
    "report_ideas": ("Ideeën van bewoners", "Residents' ideas"),
    "report_ideas_by_theme": ("Ideeën per onderwerp", "Ideas per topic"),
    "report_no_theme": ("Zonder onderwerp", "No topic"),
    "report_volunteers_started": ("Vrijwilligers die begonnen", "Volunteers who started"),
    "report_followed_up": ("Wat werd er van de vrijwilligers?", "What became of the volunteers?"),
    "report_followed_up_hint": ("Wat de initiatieven zelf invulden: het laatste antwoord per bewoner en rol.",
                                "What the initiatives said themselves: the latest answer per resident and role."),
    "report_outcome_contacted": ("Contact gehad", "Contacted"),
    "report_outcome_started": ("Begonnen", "Started"),
    "report_outcome_not_a_fit": ("Past niet", "Not a fit"),
    # --- end ideas (H3, issue 12) ---
    # --- initiative form (H2): the registration form; its fields' words also the edit form's on its page ---
    "if_intro": ("Vertel bewoners wat jullie doen, voor wie, en wie jullie zoeken. Een organisator kijkt jullie "
                 "aanmelding eerst na. Daarna kunnen jullie je voorstellen op een wijkkracht-avond.",
                 "Tell residents what you do, for whom, and who you are looking for. An organiser checks your "
                 "registration first. Then you can present at a wijkkracht evening."),
    "if_description_hint": ("Een paar zinnen in gewone woorden.", "A few sentences in plain words."),
    "if_area_hint": ("Bijvoorbeeld Delfshaven of Noord.", "For example Delfshaven or Noord."),
    "if_contact_hint": ("Vul een e-mailadres in, of een mobiel nummer als je geen e-mail hebt. Daar sturen we de "
                        "link naar jullie eigen pagina.", "Give an email address, or a mobile number if you have "
                        "no email. We send the link to your own page there."),
    "if_contact_email": ("E-mailadres", "Email address"),
    "if_contact_phone": ("Mobiel nummer", "Mobile number"),
    "if_for_whom": ("Voor wie?", "For whom?"),
    "if_for_whom_hint": ("Voor wie is jullie initiatief? Kies er zoveel als je wilt.",
                         "Who is your initiative for? Choose as many as you like."),
    "if_themes": ("Waar gaat het over?", "What is it about?"),
    "if_themes_hint": ("Kies de onderwerpen die bij jullie passen.", "Choose the subjects that fit you."),
    "if_looking_for": ("Wie zoeken jullie?", "Who are you looking for?"),
    "if_looking_for_hint": ("Welke mensen zouden jullie graag ontmoeten, als vrijwilliger of om mee samen te "
                            "werken?", "Which people would you like to meet, as volunteers or to work with?"),
    "if_looking_groups": ("Mensen uit deze groepen", "People from these groups"),
    "if_looking_themes": ("Mensen met zin in of verstand van", "People who like or know about"),
    "if_roles": ("Vrijwilligersrollen", "Volunteer roles"),
    "if_roles_hint": ("Wat kunnen vrijwilligers bij jullie doen? Maak voor elke taak een eigen rol. Een rol die "
                      "je leeg laat, laten we weg.", "What can volunteers do with you? Make a role for each "
                      "task. A role you leave empty is left out."),
    "if_role_n": ("Rol {n}", "Role {n}"),
    "if_role_title": ("Titel", "Title"),
    "if_role_title_hint": ("Bijvoorbeeld: kok, chauffeur, taalmaatje.", "For example: cook, driver, language buddy."),
    "if_role_description": ("Wat doet een vrijwilliger in deze rol?", "What does a volunteer do in this role?"),
    "if_role_themes": ("Thema's van deze rol", "Themes of this role"),
    "if_role_capacity": ("Hoeveel vrijwilligers zoeken jullie?", "How many volunteers are you looking for?"),
    "if_role_capacity_hint": ("Leeg laten is 1.", "Left empty means 1."),
    "if_add_role": ("Nog een rol toevoegen", "Add a role"),
    "if_role_added": ("Rol {n} is toegevoegd.", "Role {n} was added."),
    "if_pitch_legend": ("Ideeën van bewoners", "Residents' ideas"),
    "if_pitch": ("We komen ideeën ophalen bij bewoners", "We come to collect residents' ideas"),
    "if_pitch_hint": ("Kruis dit aan als jullie op de avond vooral ideeën van bewoners willen horen, bijvoorbeeld "
                      "voor een nieuw plan.", "Tick this if at the evening you mainly want to hear residents' "
                      "ideas, for example for a new plan."),
    "if_label_contact": ("Contactpersoon – {field}", "Contact person – {field}"),
    "if_label_description": ("Wat jullie doen", "What you do"),
    "if_short_name": ("naam", "name"),
    "if_short_email": ("e-mailadres", "email address"),
    "if_short_phone": ("mobiel nummer", "mobile number"),
    "if_short_title": ("titel", "title"),
    "if_short_description": ("wat een vrijwilliger doet", "what a volunteer does"),
    "if_short_themes": ("thema's", "themes"),
    "if_short_capacity": ("aantal vrijwilligers", "number of volunteers"),
    "if_label_role": ("Rol {n} – {field}", "Role {n} – {field}"),
    "if_err_name": ("Vul de naam van jullie initiatief in.", "Fill in the name of your initiative."),
    "if_err_contact_name": ("Vul de naam van de contactpersoon in.", "Fill in the contact person's name."),
    "if_err_contact": ("Vul een e-mailadres in, of een mobiel nummer als je geen e-mail hebt.",
                       "Give an email address, or a mobile number if you have no email."),
    "if_err_role_title": ("Vul een titel in.", "Fill in a title."),
    "if_err_capacity": ("Vul een aantal in van 1 tot 1000.", "Give a number from 1 to 1000."),
    "if_err_too_long": ("Dit is te lang: hooguit {n} tekens.", "This is too long: at most {n} characters."),
    "if_done_title": ("Dank je wel! Jullie initiatief is aangemeld.", "Thank you! Your initiative is registered."),
    "if_done_reference": ("Jullie referentie", "Your reference"),
    "if_done_reference_hint": ("Noem deze als je ons iets vraagt.", "Mention it when you ask us something."),
    "if_done_status": ("Status", "Status"),
    "if_status_pending": ("Wacht op controle. Een organisator bekijkt jullie aanmelding eerst. Daarna kunnen "
                          "jullie je voorstellen op een avond.", "Waiting for a check. An organiser looks at "
                          "your registration first. Then you can present at an evening."),
    "if_status_approved": ("Goedgekeurd. Jullie kunnen je voorstellen op een avond.",
                           "Approved. You can present at an evening."),
    "if_done_sent_email": ("We hebben een e-mail gestuurd naar de contactpersoon, met de link naar jullie eigen "
                           "pagina. Daar kunnen jullie dit alles veranderen.", "We sent an email to the contact "
                           "person, with the link to your own page. There you can change all of this."),
    "if_done_sent_sms": ("We hebben een sms gestuurd naar de contactpersoon, met de link naar jullie eigen "
                         "pagina. Daar kunnen jullie dit alles veranderen.", "We sent a text message (SMS) to "
                         "the contact person, with the link to your own page. There you can change all of "
                         "this."),
    "if_done_what": ("Wat jullie hebben ingevuld", "What you filled in"),
    "if_done_roles": ("Jullie rollen", "Your roles"),
    "if_done_no_roles": ("Nog geen rollen. Die kunnen jullie later toevoegen op jullie eigen pagina.",
                         "No roles yet. You can add them later on your own page."),
    "if_done_themes": ("Thema's", "Themes"),
    "if_done_capacity": ("Vrijwilligers gezocht", "Volunteers wanted"),
    "if_done_none": ("geen", "none"),
    "if_done_pitch": ("Jullie komen ideeën ophalen bij bewoners.", "You come to collect residents' ideas."),
    # --- end initiative form (H2) ---
}

from .initiative_texts import TEXT as INITIATIVE_PAGE_TEXT  # noqa: E402 (the initiative's page)

TEXT.update(INITIATIVE_PAGE_TEXT)

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


# --- language selection (H8) -----------------------------------------------------------------------------
# The language a page speaks: a choice made on this request (the switch's button or ``?lang=``), else the
# choice remembered in a cookie (so a console click or a redirect after a POST keeps it), else — on the
# residents' pages — the browser's Accept-Language, else Dutch. The organiser's pages stay Dutch until
# someone chooses English there: they are the house's working language.
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600
SWITCH_FIELD = "switch_lang"  # the switch's button inside a form: re-show the form in that language
BROWSER_LANGUAGE_BLUEPRINTS = ("forms",)


def chosen_lang() -> str | None:
    """The language this request asks for explicitly (form switch, query or form field), or None."""
    for value in (request.form.get(SWITCH_FIELD), request.args.get("lang"), request.form.get("lang")):
        if value in LANGS:
            return value
    return None


def current_lang() -> str:
    # A page about one person's registration (their cancel link, say) speaks the language they signed up in.
    lang = chosen_lang() or g.get("person_lang") or request.cookies.get(LANG_COOKIE)
    if lang in LANGS:
        return lang
    if request.blueprint in BROWSER_LANGUAGE_BLUEPRINTS:
        return request.accept_languages.best_match(LANGS) or "nl"
    return "nl"


def remember_lang(response):
    """after_request: keep an explicit choice in a cookie, so every page after it speaks that language."""
    try:
        lang = chosen_lang()
    except (RuntimeError, RequestEntityTooLarge):  # a body over the limit is already answered 413: keep it
        return response
    if lang and request.cookies.get(LANG_COOKIE) != lang and response.mimetype == "text/html":
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def lang_args(lang: str | None = None) -> dict:
    """What a link's query needs to keep the language: ``{"lang": "en"}``, or nothing for Dutch."""
    lang = lang or current_lang()
    return {"lang": lang} if lang != "nl" else {}


def switch_url() -> str:
    """This page in the other language, with its query kept (a search, a filter)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = ["en" if current_lang() == "nl" else "nl"]
    return request.path + "?" + urlencode(args, doseq=True)


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
