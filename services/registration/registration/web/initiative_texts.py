"""Dutch and English words of the initiative's own page and of the page that sends its link again (keys
``ip_*``; merged into ``i18n.TEXT``). Its edit form's fields say what the registration form says (``if_*``)."""

TEXT = {
    "ip_pending": ("Jullie aanmelding wacht nog op goedkeuring door de organisator. Jullie kunnen alles hier al "
                   "aanpassen.", "Your registration is waiting for the organiser's approval. You can already "
                   "change everything here."),
    "ip_approved": ("Jullie initiatief is goedgekeurd en kan meedoen aan Wijkkracht-avonden.",
                    "Your initiative is approved and can take part in Wijkkracht evenings."),
    "ip_on_this_page": ("Op deze pagina", "On this page"),
    "ip_evenings": ("Jullie avonden", "Your evenings"),
    "ip_no_evenings": ("Jullie staan nog niet op het programma van een avond.",
                       "You are not on the programme of an evening yet."),
    "ip_your_tables": ("Hier presenteren jullie:", "This is where you present:"),
    "ip_programme_later": ("Het programma per tafel komt hier zodra de avond begint.",
                           "The programme per table shows here once the evening starts."),
    "ip_interested": ("{n} bewoners wilden meer weten over jullie initiatief.",
                      "{n} residents wanted to know more about your initiative."),
    "ip_interested_one": ("{n} bewoner wilde meer weten over jullie initiatief.",
                          "{n} resident wanted to know more about your initiative."),
    "ip_edit_open": ("Wat jullie doen, voor wie, en jullie rollen", "What you do, for whom, and your roles"),
    "ip_volunteers": ("Nieuwe vrijwilligers", "New volunteers"),
    "ip_no_volunteers": ("Nog niemand heeft ja gezegd op een van jullie rollen. Na een avond ziet u hier wie wil "
                         "meedoen.", "Nobody has said yes to one of your roles yet. After an evening you see here "
                         "who would like to join."),
    "ip_for_role": ("Wil meedoen als", "Would like to join as"),
    "ip_how_did_it_go": ("Hoe ging het?", "How did it go?"),
    "ip_outcome_contacted": ("We hebben contact gehad", "We have been in touch"),
    "ip_outcome_started": ("Is begonnen als vrijwilliger", "Started as a volunteer"),
    "ip_outcome_not_a_fit": ("Past niet bij ons", "Not a fit for us"),
    "ip_save_answer": ("Opslaan", "Save"),
    "ip_followed_up": ("Dank je wel, we hebben het opgeslagen.", "Thank you, we have saved it."),
    "ip_partners": ("Andere initiatieven", "Other initiatives"),
    "ip_no_partners": ("Na een avond stellen we jullie hier voor aan initiatieven die bij jullie passen.",
                       "After an evening we introduce you here to initiatives that suit you."),
    "ip_why": ("Waarom dit past:", "Why this fits:"),
    "ip_interested_button": ("Ja, we willen kennismaken", "Yes, we would like to meet"),
    "ip_not_now_button": ("Nu niet", "Not now"),
    "ip_you_said_interested": ("Jullie zeiden: ja, we willen kennismaken. We wachten op het andere initiatief.",
                               "You said: yes, we would like to meet. We are waiting for the other initiative."),
    "ip_you_said_not_now": ("Jullie zeiden: nu niet.", "You said: not now."),
    "ip_both_interested": ("Jullie willen allebei kennismaken. Hier zijn hun gegevens; zij hebben die van jullie "
                           "ook gekregen.", "You both would like to meet. Here are their details; they have "
                           "received yours too."),
    "ip_answered": ("Dank je wel voor jullie antwoord.", "Thank you for your answer."),
    "ip_together": ("Samen iets gedaan?", "Done something together?"),
    "ip_together_later": ("Na een avond kunnen jullie hier opschrijven wat jullie samen met een ander initiatief "
                          "deden.", "After an evening you can write down here what you did together with another "
                          "initiative."),
    "ip_together_partner_id": ("Met welk initiatief?", "With which initiative?"),
    "ip_together_date": ("Datum", "Date"),
    "ip_together_description": ("Wat hebben jullie gedaan?", "What did you do?"),
    "ip_together_hint": ("Kort, bijvoorbeeld: kerststukjes gemaakt", "Briefly, for example: made Christmas decorations"),
    "ip_together_save": ("Opslaan", "Save"),
    "ip_together_saved": ("Mooi! We hebben het opgeslagen voor het verslag aan de gemeente.",
                          "Great! We have saved it for the report to the city."),
    "ip_err_partner": ("kies een initiatief uit de lijst.", "choose an initiative from the list."),
    "ip_err_date": ("vul een datum in die al geweest is.", "give a date that has passed."),
    "ip_err_description": ("schrijf in een paar woorden wat jullie deden (hoogstens 500 tekens).",
                           "say in a few words what you did (at most 500 characters)."),
    "ip_ideas": ("Ideeën van bewoners", "Residents' ideas"),
    "ip_no_ideas": ("Nog geen ideeën over jullie thema's.", "No ideas on your themes yet."),
    "ip_edit": ("Jullie gegevens aanpassen", "Change your details"),
    "ip_role_remove": ("Deze rol weghalen", "Remove this role"),
    "ip_save": ("Opslaan", "Save"),
    "ip_saved": ("Opgeslagen.", "Saved."),
    # the organiser's matches page: what the initiatives of each pair answered
    "matches_pair_answers": ("Antwoord van de initiatieven", "The initiatives' answers"),
    "matches_pair_accepted": ("Allebei geïnteresseerd: gegevens uitgewisseld", "Both interested: details exchanged"),
    "matches_pair_interested": ("wil kennismaken", "would like to meet"),
    "matches_pair_not_now": ("nu niet", "not now"),
    "matches_pair_none": ("nog geen antwoord", "no answer yet"),
    "matches_kind_initiative_pair_accepted": ("Gegevens uitgewisseld", "Details exchanged"),
    "ip_link_title": ("De link naar jullie pagina", "The link to your page"),
    "ip_link_intro": ("Vul het e-mailadres of mobiele nummer in waarmee jullie het initiatief hebben aangemeld. "
                      "We sturen de link daarheen.", "Give the email address or mobile number you registered "
                      "your initiative with. We send the link there."),
    "ip_link_address": ("E-mailadres of mobiel nummer", "Email address or mobile number"),
    "ip_link_broken": ("Deze link werkt niet (meer). Vraag hieronder een nieuwe aan.",
                       "This link does not work (any more). Ask for a new one below."),
    "ip_link_button": ("Stuur de link", "Send the link"),
    "ip_link_sent": ("Als dit adres bij een initiatief hoort, hebben we de link daarheen gestuurd. Kijk in je "
                     "e-mail (ook bij ongewenste mail) of je sms'jes.", "If this address belongs to an initiative, "
                     "we have sent the link there. Check your email (and your spam folder) or your text messages."),
    "ip_err_address": ("vul een e-mailadres in, of een mobiel nummer zoals 06 12345678.",
                       "give an email address, or a mobile number such as 06 12345678."),
    "ip_err_too_often": ("dat waren te veel pogingen. Probeer het over een minuut opnieuw.",
                         "that was too many tries. Try again in a minute."),
}
