"""The web page's texts, German first and English second."""

from __future__ import annotations

from commands.core.i18n import Language, Localized

TEXTS: dict[str, Localized] = {
    "site": Localized(
        "Alumni-Netzwerk Smart City Manager:innen", "Alumni Network of Smart City Managers"
    ),
    "skip": Localized("Zum Inhalt springen", "Skip to content"),
    "nav": Localized("Hauptnavigation", "Main navigation"),
    "overview": Localized("Übersicht", "Overview"),
    "events": Localized("Termine", "Events"),
    "new_event": Localized("Neuer Termin", "New event"),
    "logout": Localized("Abmelden", "Log out"),
    "language": Localized("Sprache", "Language"),
    "logged_in_as": Localized("Angemeldet als {user}", "Logged in as {user}"),
    "next_events": Localized("Nächste Termine", "Next events"),
    "no_events": Localized("Es stehen keine Termine an.", "There are no upcoming events."),
    "open_polls": Localized("Offene Abstimmungen", "Open polls"),
    "no_polls": Localized("Keine offenen Abstimmungen.", "No open polls."),
    "open_surveys": Localized("Offene Bedarfserhebungen", "Open needs surveys"),
    "no_surveys": Localized("Keine offene Bedarfserhebung.", "No open needs survey."),
    "until": Localized("bis {when}", "until {when}"),
    "recent_needs": Localized("Zuletzt notierte Bedarfe", "Recently noted needs"),
    "no_needs": Localized("Noch keine Bedarfe notiert.", "No needs noted yet."),
    "all_events": Localized("Alle Termine", "All events"),
    "number": Localized("Nr.", "No."),
    "when": Localized("Wann", "When"),
    "place": Localized("Ort", "Place"),
    "online": Localized("Online", "Online"),
    "rooms": Localized("Räume", "Rooms"),
    "answers": Localized("Antworten", "Answers"),
    "yes": Localized("Zugesagt", "Yes"),
    "maybe": Localized("Vielleicht", "Maybe"),
    "no": Localized("Abgesagt", "No"),
    "nobody": Localized("niemand", "nobody"),
    "pages": Localized("Seiten", "Pages"),
    "earlier_page": Localized("Frühere Termine", "Earlier events"),
    "later_page": Localized("Spätere Termine", "Later events"),
    "answer_names": Localized("Wer hat wie geantwortet?", "Who answered what?"),
    "event": Localized("Termin", "Event"),
    "not_found_title": Localized("Nicht gefunden", "Not found"),
    "not_found": Localized(
        "Diesen Termin gibt es nicht, oder er ist nicht für dich sichtbar.",
        "This event does not exist, or it is not visible to you.",
    ),
    "your_answer": Localized("Deine Antwort", "Your answer"),
    "not_answered": Localized("noch nicht geantwortet", "not answered yet"),
    "calendar": Localized("Kalenderdatei (.ics)", "Calendar file (.ics)"),
    "calendar_feed": Localized("Alle Termine als Kalender abonnieren", "Subscribe to all events"),
    "counts": Localized(
        "{yes} zugesagt · {maybe} vielleicht · {no} abgesagt",
        "{yes} yes · {maybe} maybe · {no} no",
    ),
    "form_intro": Localized(
        "Der Termin wird wie mit „!termin neu“ angelegt: der Bot kündigt ihn in den gewählten "
        "Räumen an und erinnert vorher daran. Pflichtfelder sind mit * markiert.",
        "The event is created as with “!event new”: the bot announces it in the rooms you "
        "choose and sends reminders before it. Required fields are marked with *.",
    ),
    "title": Localized("Titel", "Title"),
    "date": Localized("Datum", "Date"),
    "start": Localized("Beginn", "Start"),
    "end": Localized("Ende", "End"),
    "end_hint": Localized("ohne Ende dauert er eine Stunde", "without an end it lasts an hour"),
    "online_link": Localized("Online-Link", "Online link"),
    "online_hint": Localized("beginnt mit https://", "starts with https://"),
    "choose_rooms": Localized("In welchen Räumen ankündigen?", "Announce in which rooms?"),
    "no_rooms": Localized(
        "Es gibt keinen Raum, den du organisierst und in dem der Bot schreiben darf.",
        "There is no room you organise in which the bot may post.",
    ),
    "rooms_missing": Localized(
        "Bitte wähle mindestens einen Raum.", "Please choose at least one room."
    ),
    "room_not_yours": Localized(
        "In einem der gewählten Räume darfst du keinen Termin ankündigen.",
        "You may not announce an event in one of the chosen rooms.",
    ),
    "create": Localized("Termin anlegen", "Create event"),
    "error_heading": Localized("Bitte korrigieren", "Please correct"),
    "created": Localized(
        "Termin Nr. {id} angelegt: {title}, {when}. Erinnerungen: {reminders}. "
        "Angekündigt in: {rooms}.",
        "Event no. {id} created: {title}, {when}. Reminders: {reminders}. Announced in: {rooms}.",
    ),
    "login_needed_title": Localized("Bitte anmelden", "Please log in"),
    "login_needed": Localized(
        "Schreibe dem Bot im Chat {command}: er schickt dir einen Anmeldelink per "
        "Direktnachricht. Der Link gilt zehn Minuten und nur einmal.",
        "Write {command} to the bot in the chat: it sends you a login link by direct "
        "message. The link works once, for ten minutes.",
    ),
    "link_refused_title": Localized(
        "Dieser Anmeldelink gilt nicht (mehr)", "This login link is not valid (any more)"
    ),
    "link_refused": Localized(
        "Ein Anmeldelink gilt nur einmal und nur zehn Minuten. Schreibe dem Bot {command}, "
        "dann bekommst du einen neuen.",
        "A login link works only once and only for ten minutes. Write {command} to the bot "
        "to get a new one.",
    ),
    "forbidden_title": Localized("Kein Zugriff", "No access"),
    "forbidden": Localized(
        "Diese Seite ist für die Organisation: das Netzwerk-Team und die Organisator:innen "
        "eines Raums (Berechtigungsstufe ab 50).",
        "This page is for organisers: the network's team and the organisers of a room "
        "(power level 50 or more).",
    ),
    "csrf_title": Localized("Formular abgelaufen", "Form expired"),
    "csrf": Localized(
        "Das Formular war nicht mehr gültig. Bitte lade die Seite neu und sende es noch einmal.",
        "The form was no longer valid. Please reload the page and send it again.",
    ),
    "back": Localized("Zur Übersicht", "To the overview"),
    "widget_login": Localized("Anmeldung über Element …", "Logging in through Element …"),
}


def texts(language: Language) -> dict[str, str]:
    return {key: text.get(language) for key, text in TEXTS.items()}
