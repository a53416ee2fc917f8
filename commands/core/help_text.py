"""Help pages generated from the command declarations, never written by hand: the short
overview of what the asker may use (short enough for a phone), the full reference and the help
of one command."""

from __future__ import annotations

import datetime as dt

from commands.core.example_dates import fill
from commands.core.i18n import Language, Localized
from commands.core.registry import HELP_COMMAND, Command, CommandGroup, Registry, Role
from commands.core.rendering import Markup, bullet_list, code, lines, paragraph

TITLE = Localized("Was du hier verwenden kannst", "What you can use here")
REFERENCE_TITLE = Localized("Alle Befehle, die du verwenden kannst", "All the commands you can use")
OPTIONAL = Localized("optional", "optional")
ARGUMENTS = Localized("Angaben", "Arguments")
ALSO = Localized("Auch", "Also")
WHO = Localized("Wer darf", "Who may use it")
MORE_ON_ONE = Localized("Mehr zu einem Befehl: {example}", "More on one command: {example}")
MORE_ON_ALL = Localized(
    "Alle mit Beispielen (per Direktnachricht): {all}",
    "All with examples (by direct message): {all}",
)
OTHER_LANGUAGE = Localized("In English: {other}", "Auf Deutsch: {other}")
# The word after the help command that asks for the full reference.
ALL = Localized("alle", "all")


def visible(registry: Registry, role: Role) -> list[tuple[CommandGroup, list[Command]]]:
    """The groups with the commands someone of `role` may use; empty groups left out."""
    shown = []
    for group in registry.groups:
        commands = [
            command
            for command in group.commands
            if command.role <= role and command.listed_for <= role
        ]
        if commands:
            shown.append((group, commands))
    return shown


def render_overview(registry: Registry, prefix: str, language: Language, role: Role) -> Markup:
    """The commands the asker may use, one short paragraph per group (its title, then the
    commands' names, a command's sub-commands folded into it: `!thema (+1, -1, status)`), and
    where to read more: on a phone a line per command with its gist ran to several screens."""
    sections = [Markup("<h4>{}</h4>").format(TITLE.get(language))]
    groups = visible(registry, role)
    for group, commands in groups:
        items = [
            code(prefix + name) + (Markup(" ({})").format(", ".join(subs)) if subs else "")
            for name, subs in folded(commands, language)
        ]
        sections.append(
            Markup("<p><b>{}</b><br>{}</p>").format(
                group.title.get(language), Markup(" · ").join(items)
            )
        )
    help_command = registry.find(HELP_COMMAND)
    if help_command is not None:
        name = prefix + help_command.display_name(language)
        other: Language = "de" if language == "en" else "en"
        example = next(
            (
                command
                for _, commands in groups
                for command in commands
                if command.group is not help_command.group
            ),
            help_command,
        )
        more = [
            MORE_ON_ONE.html(language, example=code(f"{name} {example.display_name(language)}")),
            MORE_ON_ALL.html(language, all=code(f"{name} {ALL.get(language)}")),
            OTHER_LANGUAGE.html(language, other=code(prefix + help_command.display_name(other))),
        ]
        sections.append(paragraph(lines(more)))
    return Markup("").join(sections)


def folded(commands: list[Command], language: Language) -> list[tuple[str, list[str]]]:
    """(name, the words of its sub-commands) in the declared order: `thema status` goes under
    `thema` when that is listed too, else it stands on its own."""
    names = [command.display_name(language) for command in commands]
    entries: dict[str, list[str]] = {}
    for name in names:
        parent, _, rest = name.rpartition(" ")
        if parent in names:
            entries.setdefault(parent, []).append(rest)
        else:
            entries.setdefault(name, [])
    return list(entries.items())


def render_reference(
    registry: Registry, prefix: str, language: Language, role: Role, today: dt.date
) -> list[Markup]:
    """The full help of every command the asker may use: one message per group."""
    messages = []
    for index, (group, commands) in enumerate(visible(registry, role)):
        title = Markup("<h3>{}</h3>").format(REFERENCE_TITLE.get(language)) if index == 0 else ""
        pages = Markup("<hr>").join(
            render_command(command, prefix, language, today) for command in commands
        )
        messages.append(Markup("{}<h4>{}</h4>{}").format(title, group.title.get(language), pages))
    return messages


def render_command(command: Command, prefix: str, language: Language, today: dt.date) -> Markup:
    """Usage, description with examples dated from `today`, arguments, other names, role."""
    help_text = fill(command.help.get(language), today, language)
    description = lines(help_text.splitlines())
    parts = [
        Markup("<p><b>{}</b></p><p>{}</p>").format(
            code(command.usage(prefix, language)), description
        )
    ]
    if command.args:
        items = []
        for arg in command.args:
            kind = arg.converter.kind.get(language)
            if arg.optional:
                kind += ", " + OPTIONAL.get(language)
            items.append(
                Markup("{} ({}) – {}").format(
                    code(arg.display_name(language)),
                    kind,
                    fill(arg.help.get(language), today, language),
                )
            )
        parts.append(
            Markup("<p><b>{}:</b></p>{}").format(ARGUMENTS.get(language), bullet_list(items))
        )
    names = [
        code(prefix + name) for name in command.names if name != command.display_name(language)
    ]
    footer = Markup("{}: {}").format(WHO.get(language), command.role.label(language))
    if names:
        footer = Markup("{}: {} · {}").format(ALSO.get(language), Markup(", ").join(names), footer)
    parts.append(paragraph(footer))
    return Markup("").join(parts)
