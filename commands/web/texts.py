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
    "agenda_link": Localized("Link zur Agenda", "Agenda link"),
    "admitting": Localized(
        "Wie nach !mitglied hinzufügen im Chat laufen die Einladungen in den Space und seine "
        "Räume im Hintergrund; das Ergebnis schicke ich dir per Direktnachricht.",
        "As after !member add in the chat, the invitations to the space and its rooms run in "
        "the background; I will send you the result by direct message.",
    ),
    "removing": Localized(
        "Wie nach !mitglied entfernen im Chat wird die Person im Hintergrund aus dem Space und "
        "seinen Räumen entfernt; das Ergebnis schicke ich dir per Direktnachricht.",
        "As after !member remove in the chat, they are removed from the space and its rooms "
        "in the background; I will send you the result by direct message.",
    ),
    "jobs_heading": Localized("Im Hintergrund", "In the background"),
    "job_admit": Localized("Einladungen für {who}", "Invitations for {who}"),
    "job_remove": Localized("Entfernen von {who}", "Removing {who}"),
    "job_queued": Localized("läuft noch", "still running"),
    "job_done": Localized(
        "erledigt – das Ergebnis steht in deinem Direktchat mit dem Bot",
        "done – the result is in your direct chat with the bot",
    ),
    "reload_status": Localized("Stand neu laden", "Reload the status"),
    "description_hint": Localized(
        "Markdown wie in Element: **fett**, _kursiv_, Listen mit -, [Text](https://…)",
        "Markdown as in Element: **bold**, _italic_, lists with -, [text](https://…)",
    ),
    "reminders_field": Localized("Erinnerungen vorher", "Reminders before"),
    "reminders_hint": Localized(
        "z. B. 7d 1d 1h 30min; leer oder „keine“: keine Erinnerungen",
        "e.g. 7d 1d 1h 30min; empty or “none”: no reminders",
    ),
    "closed_field": Localized(
        "Geschlossen: nur für das Netzwerk (nicht weitergeben)",
        "Closed: for the network only (not to be passed on)",
    ),
    "event_rooms": Localized("In welchen Räumen?", "In which rooms?"),
    "event_rooms_hint": Localized(
        "Neue Räume bekommen die Karte, die bisherigen die Änderung.",
        "New rooms get the card, the rooms so far the change.",
    ),
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
    "forbidden_network": Localized(
        "Diese Seite ist für das Netzwerk-Team: die Befehle dazu darf nur es geben.",
        "This page is for the network's team: only they may give its commands.",
    ),
    # The members page (commands.space's roster).
    "members": Localized("Mitglieder", "Members"),
    "roster": Localized("Mitgliederverzeichnis", "Roster"),
    "empty_roster": Localized("Das Verzeichnis ist leer.", "The roster is empty."),
    "matrix_id": Localized("Matrix-ID", "Matrix ID"),
    "name": Localized("Name", "Name"),
    "municipality": Localized("Kommune", "Municipality"),
    "cohort": Localized("Durchgang", "Cohort"),
    "role": Localized("Rolle", "Role"),
    "cohort_hint": Localized(
        "Pflicht für Smart City Manager:innen und Fachvorgesetzte. Bekannt: {known}",
        "Required for Smart City Managers and supervisors. Known: {known}",
    ),
    "actions": Localized("Aktionen", "Actions"),
    "remove": Localized("Entfernen", "Remove"),
    "remove_named": Localized("{name} entfernen", "Remove {name}"),
    "add_member": Localized("Eintrag hinzufügen oder ändern", "Add or change an entry"),
    "add_member_intro": Localized(
        "Wie mit !mitglied hinzufügen im Chat kommt die Person ins Verzeichnis (ein vorhandener "
        "Eintrag wird geändert) und wird in den Space und die Räume ihrer Rolle eingeladen.",
        "As with !member add in the chat, the person is put on the roster (an existing entry is "
        "changed) and invited to the space and the rooms of their role.",
    ),
    "save_entry": Localized("Eintrag speichern", "Save entry"),
    "import_heading": Localized("Verzeichnis aus einer Datei einlesen", "Import a roster file"),
    "import_intro": Localized(
        "CSV (wie aus Excel, „CSV UTF-8“) oder TOML, höchstens 1 MB. Spalten: matrix_id; name; "
        "kommune; durchgang; rolle. Du siehst vor dem Übernehmen jede Änderung und jede "
        "abgelehnte Zeile. Ein Einlesen entfernt niemanden.",
        "CSV (as from Excel, “CSV UTF-8”) or TOML, at most 1 MB. Columns: matrix_id; name; "
        "municipality; cohort; role. Before anything is applied you see every change and every "
        "rejected line. An import never removes anyone.",
    ),
    "roster_file": Localized("Datei", "File"),
    "check_file": Localized("Datei prüfen", "Check file"),
    "no_roster_file": Localized(
        "Bitte wähle eine Datei (CSV oder TOML).", "Please choose a file (CSV or TOML)."
    ),
    "file_too_big": Localized("Die Datei ist größer als 1 MB.", "The file is larger than 1 MB."),
    "roster_preview": Localized("Vorschau des Einlesens", "Import preview"),
    "preview_refused": Localized(
        "Nicht übernommen: Die Datei hat abgelehnte Zeilen. Korrigiere sie, oder übernimm "
        "ausdrücklich nur die gültigen Zeilen.",
        "Not applied: the file has rejected lines. Correct them, or apply only the valid lines "
        "explicitly.",
    ),
    "new_entries": Localized("Neu", "New"),
    "changed_entries": Localized("Geändert", "Changed"),
    "before": Localized("Bisher", "Before"),
    "after": Localized("Neu", "After"),
    "unchanged_entries": Localized("Unverändert: {number}", "Unchanged: {number}"),
    "rejected_lines": Localized("Abgelehnte Zeilen", "Rejected lines"),
    "line": Localized("Zeile", "Line"),
    "reason": Localized("Grund", "Reason"),
    "not_in_file": Localized(
        "Nicht in der Datei (bleiben im Verzeichnis)",
        "Not in the file (they stay on the roster)",
    ),
    "none": Localized("keine", "none"),
    "apply_import": Localized("Änderungen übernehmen", "Apply the changes"),
    "apply_valid_only": Localized(
        "Nur die gültigen Zeilen übernehmen (wie --trotzdem)",
        "Apply only the valid lines (as --anyway)",
    ),
    "cancel_import": Localized("Nicht übernehmen", "Do not apply"),
    "remove_member": Localized("Eintrag entfernen", "Remove entry"),
    "confirm_removal": Localized(
        "Wirklich entfernen? {user} ({entry}) wird aus dem Verzeichnis gelöscht und aus dem "
        "Space und allen seinen Räumen entfernt.",
        "Really remove? {user} ({entry}) is deleted from the roster and removed from the space "
        "and all its rooms.",
    ),
    "confirm_remove": Localized("Ja, entfernen", "Yes, remove"),
    "keep": Localized("Abbrechen", "Cancel"),
    # The needs survey pages (commands.surveys).
    "surveys": Localized("Bedarfserhebungen", "Needs surveys"),
    "no_surveys_yet": Localized("Es gibt noch keine Erhebung.", "There is no survey yet."),
    "survey_kind": Localized("Art", "Kind"),
    "survey_state": Localized("Stand", "State"),
    "responses": Localized("Teilnahmen", "Responses"),
    "survey_report": Localized("Auswertung", "Report"),
    "report_of": Localized("Auswertung von Nr. {id}", "Report of no. {id}"),
    "chart_alt": Localized(
        "Balkendiagramm der Antworten je Frage und der notierten Bedarfe je Thema; die Zahlen "
        "stehen in der Auswertung darüber.",
        "Bar chart of the answers per question and of the noted needs per topic; the figures "
        "are in the report above.",
    ),
    "downloads": Localized("Herunterladen", "Downloads"),
    "download_hint": Localized(
        "Dieselben Dateien wie mit !export bedarfe im Chat: CSV für Excel und Markdown.",
        "The same files as !export needs in the chat: CSV for Excel and Markdown.",
    ),
    "new_survey": Localized("Neue Erhebung", "New survey"),
    "new_survey_intro": Localized(
        "Wie mit !bedarfe anlegen im Chat. Aus dem Formular oder einer TOML-Datei wird dieselbe "
        "Beschreibung; du siehst sie Zeile für Zeile geprüft, bevor sie gespeichert wird.",
        "As with !needs create in the chat. The form or a TOML file give the same description; "
        "you see it checked line by line before it is saved.",
    ),
    "from_form": Localized("Aus dem Formular", "From the form"),
    "from_file": Localized("Aus einer TOML-Datei", "From a TOML file"),
    "description": Localized("Beschreibung", "Description"),
    "anonymous_survey": Localized(
        "Anonym (die Antworten sind mit niemandem verbunden; Ergebnisse erst nach dem Ende)",
        "Anonymous (the answers are linked to nobody; results only after the end)",
    ),
    "opens": Localized("Beginn (leer: sofort)", "Opens (empty: now)"),
    "closes": Localized("Ende", "Closes"),
    "time": Localized("Uhrzeit", "Time"),
    "invite_rooms": Localized(
        "Mitglieder dieser Räume zum Beginn per Direktnachricht einladen",
        "Invite the members of these rooms by direct message when it opens",
    ),
    "questions": Localized("Fragen (TOML)", "Questions (TOML)"),
    "questions_hint": Localized(
        "Je Frage ein [[frage]]-Block mit text, art (einfach, mehrfach, skala, text) und "
        "antworten.",
        "One [[frage]] block per question with text, art (single: einfach, multiple: mehrfach, "
        "scale: skala, text) and antworten (the answers).",
    ),
    "toml_file": Localized("TOML-Datei", "TOML file"),
    "check_survey": Localized("Prüfen", "Check"),
    "survey_preview": Localized("Erhebung prüfen", "Check the survey"),
    "survey_file_unreadable": Localized(
        "Die Datei ist kein Text in UTF-8 oder größer als 30 000 Zeichen.",
        "The file is not UTF-8 text or is longer than 30,000 characters.",
    ),
    "survey_help": Localized("die Hilfe auf der Seite „Neue Erhebung“", "the help on “New survey”"),
    "definition": Localized("Die Beschreibung, Zeile für Zeile", "The description, line by line"),
    "wrong_line": Localized(
        "Zeile {line}: hier liegt der Fehler", "line {line}: the error is here"
    ),
    "survey_ok": Localized(
        "Alles gültig. So wird die Erhebung angelegt:",
        "Everything is valid. This is the survey that will be set up:",
    ),
    "save_survey": Localized("Erhebung anlegen", "Set up the survey"),
    "edit_again": Localized("Ändern", "Change"),
    # The announcements page (commands.announcements).
    "announcements": Localized("Ankündigungen", "Announcements"),
    "new_announcement": Localized("Neue Ankündigung", "New announcement"),
    "announcement_intro": Localized(
        "Wie mit !ankuendigung im Chat: einmalig oder wiederkehrend, in einen oder mehrere Räume.",
        "As with !announce in the chat: once or recurring, into one or more rooms.",
    ),
    "when_phrase": Localized("Wann", "When"),
    "when_hint": Localized(
        "wie im Chat, z. B. „morgen 9 Uhr“, „jeden Montag 9 Uhr“, „täglich 8:30“, "
        "„29.09.2027 10:00“",
        "as in the chat, e.g. “tomorrow 9am”, “every monday 9:00”, “daily 8:30”, "
        "“2027-09-29 10:00”",
    ),
    "announcement_text": Localized("Text", "Text"),
    "schedule_announcement": Localized("Ankündigung planen", "Schedule announcement"),
    "room_not_yours_announce": Localized(
        "In einem der gewählten Räume darfst du nichts ankündigen.",
        "You may not announce anything in one of the chosen rooms.",
    ),
    "next_post": Localized("Nächster Termin", "Next"),
    "schedule": Localized("Zeitplan", "Schedule"),
    "pause": Localized("Pausieren", "Pause"),
    "resume": Localized("Fortsetzen", "Resume"),
    "cancel_announcement": Localized("Löschen", "Cancel"),
    "action_named": Localized("{action}: Nr. {id}", "{action}: no. {id}"),
    "resumed": Localized(
        "Ankündigung Nr. {id} läuft wieder. Nächster Termin: {next}.",
        "Announcement no. {id} is running again. Next: {next}.",
    ),
    # The polls page (commands.polls).
    "polls": Localized("Umfragen", "Polls"),
    "no_polls_yet": Localized(
        "In deinen Räumen gab es noch keine Umfrage.", "There has been no poll in your rooms yet."
    ),
    "poll_chart_alt": Localized(
        "Balkendiagramm der Stimmen je Antwort; die Zahlen stehen in der Tabelle darüber.",
        "Bar chart of the votes per answer; the figures are in the table above.",
    ),
    # Changing an event (commands.events).
    "edit_event": Localized("Termin ändern", "Change event"),
    "edit_named": Localized("Nr. {id} ändern", "Change no. {id}"),
    "edit_intro": Localized(
        "Wie mit !termin ändern im Chat: die Karte in den Räumen wird angepasst, die Änderung "
        "dort angekündigt und die Erinnerungen neu geplant.",
        "As with !event edit in the chat: the card in the rooms is updated, the change is "
        "posted there and the reminders are planned anew.",
    ),
    "save_change": Localized("Änderung speichern", "Save the change"),
    "changed_meanwhile": Localized(
        "Der Termin wurde inzwischen anders geändert. Hier ist er, wie er jetzt ist.",
        "The event was changed meanwhile. Here it is as it is now.",
    ),
    "changed_notice": Localized(
        "Termin Nr. {id} geändert: {title}, {when}. Die Änderung geht in: {rooms}.",
        "Event no. {id} changed: {title}, {when}. The change is posted in: {rooms}.",
    ),
    # The topics page (commands.topics).
    "topics": Localized("Themen", "Topics"),
    "ranked_topics": Localized("Offene Themen nach Unterstützung", "Open topics by support"),
    "no_topics": Localized("Es gibt keine offenen Themen.", "There are no open topics."),
    "agendas": Localized("Agenda der nächsten Termine", "Agenda of the next events"),
    "agenda_empty": Localized("Noch keine Themen auf der Agenda.", "No topics on the agenda yet."),
    "minutes_download": Localized(
        "Protokoll herunterladen (Markdown)", "Download the minutes (Markdown)"
    ),
    # The space page (commands.space).
    "space": Localized("Space", "Space"),
    "space_intro": Localized(
        "Was !space abgleichen jetzt ändern würde. Diese Seite liest nur; geändert wird erst "
        "mit dem Befehl im Chat.",
        "What !space sync would change now. This page only reads; changes are made by the "
        "command in the chat.",
    ),
    "space_nothing": Localized(
        "Alles ist, wie es sein soll; ein Abgleich würde nichts ändern.",
        "Everything is as it should be; a sync would change nothing.",
    ),
    "would_create": Localized("Würde angelegt", "Would be created"),
    "would_adopt": Localized("Würde übernommen", "Would be adopted"),
    "would_unlink": Localized(
        "Würde aus dem Space gelöst (nicht gelöscht)", "Would be unlinked (not deleted)"
    ),
    "would_set": Localized("Würde gesetzt", "Would be set"),
    "would_invite": Localized("Würde eingeladen", "Would be invited"),
    "room": Localized("Raum", "Room"),
    "setting": Localized("Einstellung", "Setting"),
    "strangers": Localized(
        "Personen in Räumen, die nicht im Verzeichnis stehen",
        "People in rooms who are not on the roster",
    ),
    "space_problems": Localized("Was nicht ginge", "What would not work"),
    # One's own data (commands.privacy).
    "own_data": Localized("Meine Daten", "My data"),
    "own_answers": Localized(
        "Meine Antworten zu den nächsten Terminen", "My answers to the next events"
    ),
    "no_own_answers": Localized(
        "Du hast auf keinen der nächsten Termine geantwortet.",
        "You have not answered any of the next events.",
    ),
    "stored_about_you": Localized(
        "Was der Bot über dich speichert", "What the bot stores about you"
    ),
    "purpose": Localized("Wofür", "Purpose"),
    "entries": Localized("Einträge", "Entries"),
    "own_files": Localized(
        "Alles im Einzelnen, wie mit !meine-daten im Chat:",
        "Everything in detail, as with !my-data in the chat:",
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
