"""The privacy feature's texts, German first: the access answer, the erasure's question and
report, the note to the organisers, and the privacy notice."""

from __future__ import annotations

from commands.core.i18n import Language, Localized
from commands.core.plurals import Plural, format_number
from commands.core.rendering import BR, Markup, bold, bullet_list, lines
from commands.privacy.export import label
from commands.privacy.settings import Notice, PrivacyConfig

NO_DIRECT_ROOM = Localized(
    "Ich konnte keinen Direktchat mit dir öffnen. Lade mich in einen Chat nur mit dir ein und "
    "schreib dort {command}.",
    "I could not open a direct chat with you. Invite me to a chat with you alone and write "
    "{command} there.",
)
SENT_TO_DIRECT = Localized(
    "Ich habe dir deine Daten in unseren Direktchat geschickt.",
    "I have sent you your data in our direct chat.",
)
EXPORT_DONE = Localized(
    "<b>Deine Daten beim Bot</b> (Stand {when}): als JSON-Datei zum Weiterverarbeiten und als "
    "lesbare Übersicht (Markdown).",
    "<b>Your data at the bot</b> (as of {when}): as a JSON file to process further and as a "
    "readable summary (Markdown).",
)
EXPORT_EMPTY = Localized("Der Bot speichert nichts über dich.", "The bot stores nothing about you.")
EXPORT_FOOT = Localized(
    "Nachrichten, Reaktionen und Stimmen in den Räumen liegen im Raum, nicht beim Bot. Löschen "
    "lassen: {command}",
    "Messages, reactions and votes in the rooms are held by the rooms, not by the bot. To have "
    "your data erased: {command}",
)
CONFIRM_WORDS = frozenset({"bestätigen", "bestaetigen", "confirm", "ja", "yes"})
ONLY_NETWORK = Localized(
    "Die Daten einer anderen Person löschen nur die Organisator:innen des Netzwerks.",
    "Only the network's organisers erase another person's data.",
)
CONFIRM_ERASURE = Localized(
    "<b>Wirklich löschen?</b> Der Bot löscht alles, was nur {user} betrifft, und anonymisiert, "
    "worauf andere angewiesen sind (Notizen im Protokoll bleiben als „ehemaliges Mitglied“, "
    "Aufgaben verlieren ihre verantwortliche Person). Das lässt sich nicht rückgängig machen. "
    "Gespeichert ist:{stored}Bestätigen: {command}",
    "<b>Really erase?</b> The bot deletes everything that concerns {user} alone and anonymises "
    "what others rely on (notes in the minutes stay as “former member”, action items lose "
    "their owner). This cannot be undone. Stored:{stored}Confirm: {command}",
)
NOT_A_CONFIRMATION = Localized(
    "„{word}“ bestätigt nichts; schreib „bestätigen“.",
    "“{word}” confirms nothing; write “confirm”.",
)
ERASED_TITLE = Localized("<b>Daten von {user} gelöscht.</b>", "<b>Data of {user} erased.</b>")
DELETED = Localized("Gelöscht:", "Deleted:")
ANONYMISED = Localized(
    "Anonymisiert (bleibt für andere, ohne Person):", "Anonymised (stays for others, no person):"
)
NOTHING_STORED = Localized("Der Bot hatte nichts gespeichert.", "The bot had stored nothing.")
ROSTER_LEFT = Localized(
    "Der Eintrag im Mitgliederverzeichnis bleibt, bis die Organisation die Person aus dem "
    "Netzwerk entfernt (das Verzeichnis entscheidet, wer in den Space darf). Die Organisation "
    "ist informiert.",
    "The roster entry stays until the organisers remove the person from the network (the "
    "roster decides who may enter the space). The organisers have been told.",
)
CANNOT_DELETE = Localized(
    "Nicht löschen kann der Bot, was in den Räumen steht: eigene Nachrichten, Reaktionen und "
    "Stimmen in Umfragen sind Ereignisse der Räume. Sie lassen sich im Client zurückziehen "
    "(in Element: „Entfernen“). Stimmen in noch offenen Umfragen liest der Bot beim nächsten "
    "Start wieder aus dem Raum, bis sie dort entfernt sind.",
    "The bot cannot delete what is in the rooms: your own messages, reactions and poll votes "
    "are events of the rooms. Redact them in your client (in Element: “Remove”). Votes in "
    "polls still open are read from the room again at the next start until removed there.",
)
ORGANISERS_NOTE = Localized(
    "{user} hat die Löschung der eigenen Daten verlangt (Art. 17 DSGVO); der Bot hat sie "
    "gelöscht oder anonymisiert. Bitte den Eintrag im Mitgliederverzeichnis entfernen: {command}",
    "{user} asked for their data to be erased (Art. 17 GDPR); the bot has deleted or anonymised "
    "it. Please remove the roster entry: {command}",
)
NO_NOTICE = Localized(
    "Der Betreiber hat noch keine Datenschutzhinweise hinterlegt ([privacy.notice] in der "
    "Konfiguration).",
    "The operator has not set up a privacy notice yet ([privacy.notice] in the configuration).",
)
NOTICE_TITLE = Localized("Datenschutzhinweise", "Privacy notice")
NOTICE_FIELDS = {
    "controller": Localized("Verantwortlich", "Controller"),
    "purposes": Localized("Zwecke", "Purposes"),
    "legal_basis": Localized("Rechtsgrundlage", "Legal basis"),
    "retention": Localized("Speicherdauer", "Retention"),
    "rights": Localized("Ihre Rechte", "Your rights"),
    "contact": Localized("Kontakt", "Contact"),
}
# The periods are written out with DAYS ("1 Tag", "30 Tage").
RETENTION_DEFAULT = Localized(
    "Bearbeitete Nachrichten-IDs {handled}; Zu- und Absagen {rsvps} nach dem Termin; "
    "gespiegelte Stimmen {polls} nach dem Ende der Umfrage; Gespräche und Teilnahme an "
    "Erhebungen {surveys} nach deren Ende; Buchführung der Direktnachrichten {direct}; "
    "Download-Links {links}.",
    "Handled message ids {handled}; answers to events {rsvps} after the event; mirrored votes "
    "{polls} after the poll ended; survey conversations and participation {surveys} after the "
    "close; direct-message bookkeeping {direct}; download links {links}.",
)
DAYS = Plural(Localized("{count} Tag", "{count} day"), Localized("{count} Tage", "{count} days"))
HOURS = Plural(
    Localized("{count} Stunde", "{count} hour"), Localized("{count} Stunden", "{count} hours")
)
RIGHTS_COMMANDS = Localized(
    "Auskunft: {export} · Löschung: {erase}", "Access: {export} · Erasure: {erase}"
)


def counts(items: list[tuple[str, int]], language: Language) -> Markup:
    return bullet_list([f"{what}: {format_number(count, language)}" for what, count in items])


def table_counts(tables: dict[str, int], language: Language) -> Markup:
    return counts([(label(table, language), count) for table, count in tables.items()], language)


def render_notice(
    config: PrivacyConfig, language: Language, export: Markup, erase: Markup
) -> Markup:
    """The operator's notice as configured (their text, escaped), with the retention periods
    from the settings where the notice names none, and the commands for the rights."""
    notice: Notice = config.notice
    shown_lines = [bold(NOTICE_TITLE.markup(language))]
    if not notice.given:
        shown_lines.append(NO_NOTICE.markup(language))
    r = config.retention
    generated = RETENTION_DEFAULT.format(
        language,
        handled=DAYS.format(language, r.handled_events),
        rsvps=DAYS.format(language, r.rsvps_after_event),
        polls=DAYS.format(language, r.closed_poll_votes),
        surveys=DAYS.format(language, r.survey_conversations),
        direct=DAYS.format(language, r.direct_chats),
        links=HOURS.format(language, config.download_link_hours),
    )
    for key, title in NOTICE_FIELDS.items():
        value: str = getattr(notice, key)
        if key == "retention" and not value:
            shown = lines([generated])
        elif not value:
            continue
        else:
            shown = lines(value.split("\n"))
        if key == "rights":
            shown += BR + RIGHTS_COMMANDS.html(language, export=export, erase=erase)
        shown_lines.append(Markup("<b>{}:</b> {}").format(title.markup(language), shown))
    if not notice.rights:
        title = NOTICE_FIELDS["rights"].markup(language)
        commands = RIGHTS_COMMANDS.html(language, export=export, erase=erase)
        shown_lines.append(Markup("<b>{}:</b> {}").format(title, commands))
    return BR.join(shown_lines)
