"""Help pages generated from the command declarations, never written by hand."""

from __future__ import annotations

from commands.core.i18n import Language, Localized
from commands.core.registry import HELP_COMMAND, Command, Registry, Role
from commands.core.rendering import bullet_list, code, escape

TITLE = Localized("Befehle von alumni-bot", "alumni-bot commands")
ONLY = Localized("nur {role}", "{role} only")
OPTIONAL = Localized("optional", "optional")
ARGUMENTS = Localized("Angaben", "Arguments")
ALSO = Localized("Auch", "Also")
WHO = Localized("Wer darf", "Who may use it")
MORE = Localized(
    "Hilfe zu einem Befehl: {help}. In English: {other}.",
    "Help on one command: {help}. Auf Deutsch: {other}.",
)


def summary(command: Command, language: Language) -> str:
    return command.help.get(language).split("\n", 1)[0]


def render_overview(registry: Registry, prefix: str, language: Language) -> str:
    sections = [f"<h4>{TITLE.get(language)}</h4>"]
    for group in registry.groups:
        items = []
        for command in group.commands:
            line = f"{code(command.usage(prefix, language))} – {escape(summary(command, language))}"
            if command.role is not Role.MEMBER:
                only = ONLY.format(language, role=command.role.label(language))
                line += f" <i>({escape(only)})</i>"
            items.append(line)
        sections.append(f"<p><b>{escape(group.title.get(language))}</b></p>{bullet_list(items)}")
    help_command = registry.find(HELP_COMMAND)
    if help_command is not None:
        other: Language = "de" if language == "en" else "en"
        sections.append(
            "<p>"
            + MORE.format(
                language,
                help=code(f"{help_command.usage(prefix, language)}"),
                other=code(prefix + help_command.display_name(other)),
            )
            + "</p>"
        )
    return "".join(sections)


def render_command(command: Command, prefix: str, language: Language) -> str:
    description = "<br>".join(escape(line) for line in command.help.get(language).splitlines())
    parts = [f"<p><b>{code(command.usage(prefix, language))}</b></p><p>{description}</p>"]
    if command.args:
        items = []
        for arg in command.args:
            kind = arg.converter.kind.get(language)
            if arg.optional:
                kind += ", " + OPTIONAL.get(language)
            items.append(
                f"{code(arg.display_name(language))} ({escape(kind)}) – "
                f"{escape(arg.help.get(language))}"
            )
        parts.append(f"<p><b>{ARGUMENTS.get(language)}:</b></p>{bullet_list(items)}")
    names = [
        code(prefix + name) for name in command.names if name != command.display_name(language)
    ]
    footer = f"{WHO.get(language)}: {escape(command.role.label(language))}"
    if names:
        footer = f"{ALSO.get(language)}: {', '.join(names)} · {footer}"
    parts.append(f"<p>{footer}</p>")
    return "".join(parts)
