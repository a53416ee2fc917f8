"""The command framework: the declaring decorator, the registry, parsing a message into a call."""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commands.core.converters import ConversionError, Converter
from commands.core.i18n import Language, Localized

if TYPE_CHECKING:
    from commands.core.context import CommandContext

Handler = Callable[..., Awaitable[None]]

# The help command's German name; usage errors and the overview point to it.
HELP_COMMAND = "hilfe"
OPENING_QUOTES = {'"': '"', "„": "“", "“": "”", "»": "«", "«": "»", "'": "'"}


class Role(enum.IntEnum):
    """MEMBER < ORGANISER (of a room: power >= 50 there) < NETWORK (`bot.organisers`: the
    network's organisers, who act on what belongs to no single room, such as surveys)."""

    MEMBER = 0
    ORGANISER = 1
    NETWORK = 2

    def label(self, language: Language) -> str:
        """Who holds the role, as the subject of a sentence ("… darf nur {label} verwenden")."""
        labels = {
            Role.MEMBER: Localized("alle Mitglieder", "all members"),
            Role.ORGANISER: Localized("die Organisator:innen des Raums", "the room's organisers"),
            Role.NETWORK: Localized("die Organisation des Netzwerks", "the network's organisers"),
        }
        return labels[self].get(language)


@dataclass(frozen=True)
class Arg:
    """One declared argument: its name in both languages, converter, help and whether optional."""

    name: str
    converter: Converter
    help: Localized
    name_en: str | None = None
    optional: bool = False
    # What the usage shows instead of `<name>` when the value is one of a few words
    # ("ja|nein|vielleicht"): a person reads the choices, not a placeholder.
    shown: Localized | None = None

    def display_name(self, language: Language) -> str:
        return (self.name_en or self.name) if language == "en" else self.name

    def usage(self, language: Language) -> str:
        if self.shown is not None:
            label = self.shown.get(language)
            return f"[{label}]" if self.optional else label
        label = self.display_name(language) + ("…" if self.converter.greedy else "")
        return f"[{label}]" if self.optional else f"<{label}>"


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    de_aliases: tuple[str, ...]
    help: Localized
    args: tuple[Arg, ...]
    role: Role
    group: CommandGroup
    handler: Handler
    # Answers only people of the network (on the roster) and its organisers, wherever typed.
    network_only: bool = False
    # Listed in the help from this role on: a command anyone may type whose handler allows it
    # only to the organisers of the room it concerns (which may be another room than this).
    listed_for: Role = Role.MEMBER

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.de_aliases, *self.aliases)

    def display_name(self, language: Language) -> str:
        return self.aliases[0] if language == "en" and self.aliases else self.name

    def usage(self, prefix: str, language: Language) -> str:
        return " ".join(
            [prefix + self.display_name(language), *(a.usage(language) for a in self.args)]
        )

    def invoked_language(self, invoked: str) -> Language | None:
        """The language a user chose by the name they typed: the German name or an English alias."""
        if not self.aliases:
            return None
        if invoked == self.name or invoked in self.de_aliases:
            return "de"
        return "en" if invoked in self.aliases else None


@dataclass
class CommandGroup:
    """The commands of one `commands/<group>.py` module."""

    key: str
    title: Localized
    commands: list[Command] = field(default_factory=list)
    # Where the group stands in the help: lower first; equal ones in the order given.
    order: int = 50

    def command(
        self,
        name: str,
        *,
        aliases: Iterable[str] = (),
        de_aliases: Iterable[str] = (),
        help: Localized,
        args: Iterable[Arg] = (),
        role: Role = Role.MEMBER,
        network_only: bool = False,
        listed_for: Role = Role.MEMBER,
    ) -> Callable[[Handler], Handler]:
        """Declare a command: German name, English alias(es), help, arguments, the required role,
        whether it answers only people of the network, and from which role the help lists it."""
        arg_tuple = tuple(args)
        for index, arg in enumerate(arg_tuple):
            if arg.converter.greedy and index != len(arg_tuple) - 1:
                raise ValueError(f"{name}: greedy argument {arg.name} must be last")

        def register(handler: Handler) -> Handler:
            self.commands.append(
                Command(
                    name=name,
                    aliases=tuple(aliases),
                    de_aliases=tuple(de_aliases),
                    help=help,
                    args=arg_tuple,
                    role=role,
                    group=self,
                    handler=handler,
                    network_only=network_only,
                    listed_for=listed_for,
                )
            )
            return handler

        return register


class UsageError(Exception):
    """The command was recognised but its arguments were not; the reply shows the usage."""

    def __init__(self, command: Command, reason: Localized, **values: object) -> None:
        super().__init__(reason.format("de", **values))
        self.command = command
        self.reason = reason
        self.values = values
        self.invoked_as = command.name

    def text(self, language: Language) -> str:
        return self.reason.format(language, **self.values)


@dataclass(frozen=True)
class Invocation:
    command: Command
    invoked_as: str
    values: dict[str, Any]

    async def run(self, ctx: CommandContext) -> None:
        values = dict(self.values)
        for arg in self.command.args:
            resolve = getattr(arg.converter, "resolve", None)
            if resolve is not None and values.get(arg.name) is not None:
                values[arg.name] = await resolve(ctx, values[arg.name])
        await self.command.handler(ctx, **values)


@dataclass(frozen=True)
class UnknownCommand:
    typed: str
    suggestions: tuple[str, ...]


class Registry:
    """All commands by every name they answer to; names may be several words ("umfrage beenden")."""

    def __init__(self, groups: Iterable[CommandGroup]) -> None:
        self.groups = sorted(groups, key=lambda group: group.order)
        self._by_name: dict[str, Command] = {}
        for group in self.groups:
            for command in group.commands:
                for name in command.names:
                    if name in self._by_name:
                        raise ValueError(f"command name {name!r} declared twice")
                    self._by_name[name] = command
        self._max_words = max((len(name.split()) for name in self._by_name), default=1)

    def __iter__(self) -> Iterable[Command]:
        for group in self.groups:
            yield from group.commands

    def find(self, name: str) -> Command | None:
        return self._by_name.get(name.lower())

    def lookup(self, text: str) -> Command | None:
        """The command whose name the text starts with (the longest such name), so that
        `termin neu "Titel" …` names `termin neu`; quotes and the words after the name are
        ignored."""
        words = [word.strip("\"„“”»«'") for word in text.lower().split()]
        for count in range(min(self._max_words, len(words)), 0, -1):
            command = self._by_name.get(" ".join(words[:count]))
            if command is not None:
                return command
        return None

    def suggest(self, typed: str, limit: int = 3) -> tuple[str, ...]:
        """A group's first word alone (`!mitglied`) is answered with its commands first:
        a close spelling (`!mitglieder`) would push `!mitglied hinzufügen` out of the list."""
        word = typed.lower()
        under = [name for name in self._by_name if word and name.startswith(word + " ")]
        close = difflib.get_close_matches(word, self._by_name, n=limit, cutoff=0.6)
        return tuple(dict.fromkeys(under + close))[:limit]

    def parse(self, text: str) -> Invocation | UnknownCommand:
        """Parse the text after the prefix. Raises UsageError for bad arguments."""
        words = text.split()
        for count in range(min(self._max_words, len(words)), 0, -1):
            name = " ".join(words[:count]).lower()
            command = self._by_name.get(name)
            if command is not None:
                rest = _strip_words(text, count)
                try:
                    return Invocation(command, name, _bind_arguments(command, rest))
                except UsageError as exc:
                    exc.invoked_as = name
                    raise
        typed = words[0] if words else ""
        return UnknownCommand(typed, self.suggest(typed))


def _strip_words(text: str, count: int) -> str:
    match = re.match(rf"\s*(?:\S+\s*){{{count}}}", text)
    return text[match.end() :].strip() if match else ""


class UnclosedQuote(ValueError):
    pass


def next_token(text: str, index: int) -> tuple[str, int] | None:
    """The token starting at or after `index` and the offset after it; None at the end.

    Quoted parts ("…", „…“, »…«) are one token; an unclosed quote raises UnclosedQuote.
    """
    while index < len(text) and text[index].isspace():
        index += 1
    if index == len(text):
        return None
    closing = OPENING_QUOTES.get(text[index])
    if closing is not None:
        end = text.find(closing, index + 1)
        if end == -1:
            raise UnclosedQuote(text[index:])
        return text[index + 1 : end], end + 1
    end = index
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[index:end], end


def tokenize(text: str) -> list[tuple[str, int]]:
    """All tokens of `text` with the offset each ends at."""
    tokens = []
    index = 0
    while (token := next_token(text, index)) is not None:
        tokens.append(token)
        index = token[1]
    return tokens


UNCLOSED_QUOTE = Localized(
    "Ein Anführungszeichen wird nicht geschlossen: {rest}",
    "A quotation mark is not closed: {rest}",
)


def _bind_arguments(command: Command, text: str) -> dict[str, Any]:
    """Words are read one at a time, so a greedy last argument gets the rest exactly as typed."""
    values: dict[str, Any] = {}
    index = 0
    try:
        for arg in command.args:
            if arg.converter.greedy:
                raw = text[index:].strip()
                values[arg.name] = _convert(command, arg, raw) if raw else _missing(command, arg)
                index = len(text)
                continue
            token = next_token(text, index)
            if token is None:
                values[arg.name] = _missing(command, arg)
                continue
            values[arg.name] = _convert(command, arg, token[0])
            index = token[1]
        extra = tokenize(text[index:])
    except UnclosedQuote as exc:
        raise UsageError(command, UNCLOSED_QUOTE, rest=str(exc)) from exc
    if extra:
        raise UsageError(
            command,
            Localized("Zu viele Angaben: {extra}", "Too many arguments: {extra}"),
            extra=" ".join(token for token, _ in extra),
        )
    return values


def _missing(command: Command, arg: Arg) -> None:
    if arg.optional:
        return None
    raise UsageError(
        command,
        # The argument's own help says what is meant: "nr" alone leaves a person guessing.
        Localized("Es fehlt: {de} ({help})", "Missing: {en} ({help})"),
        de=arg.display_name("de"),
        en=arg.display_name("en"),
        help=arg.help,
    )


def _convert(command: Command, arg: Arg, text: str) -> Any:
    try:
        return arg.converter.convert(text)
    except ConversionError as exc:
        raise UsageError(command, exc.message, **exc.values) from exc


def tokens_of(text: str) -> list[tuple[str, bool]]:
    """(token, was quoted) pairs; quoted tokens are never option words."""
    tokens = []
    index = 0
    try:
        while (token := next_token(text, index)) is not None:
            value, end = token
            quoted = text[index:end].lstrip()[:1] in "\"„“»«'"
            tokens.append((value, quoted))
            index = end
    except UnclosedQuote as error:
        raise ConversionError(
            Localized(
                "Ein Anführungszeichen wird nicht geschlossen: {rest}",
                "A quotation mark is not closed: {rest}",
            ),
            rest=str(error),
        ) from error
    return tokens
