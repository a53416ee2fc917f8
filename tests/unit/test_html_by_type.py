"""HTML is built by type: outside the primitives in `commands/core/rendering.py`, no f-string,
`%`-formatting or `str.format` writes a tag, and nothing escapes by hand, so that every str
that reaches a message's HTML passes through `Markup`'s escaping."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RENDERING = Path("commands/core/rendering.py")
# An opening or closing tag as HTML writes it: "<b>", "<a href", "</li>", "<br/>" (not a
# regular expression's named group, "(?P<name>").
TAG = re.compile(r"(?<!\?P)</?[a-zA-Z][a-zA-Z0-9]*(?:[\s/>]|$)")
HAND_ESCAPES = {"html.escape", "markupsafe.escape", "markupsafe.Markup", "markupsafe.escape_silent"}


def _literal_text(node: ast.AST) -> str:
    """The constant text of a str literal or an f-string's literal parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal_text(part) for part in node.values)
    return ""


def _is_markup(node: ast.AST) -> bool:
    """`Markup("…")`: the literal is HTML by type, and `.format` on it escapes."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Markup"
    )


def violations(source: str) -> list[str]:
    """Where `source` builds HTML from untyped strings or escapes by hand ("line: what")."""
    tree = ast.parse(source)
    found: list[str] = []
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in {"html", "markupsafe"}:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in HAND_ESCAPES:
                    found.append(f"{node.lineno}: imports {node.module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and TAG.search(_literal_text(node)):
            found.append(f"{node.lineno}: f-string with an HTML tag")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and TAG.search(_literal_text(node.left))
        ):
            found.append(f"{node.lineno}: %-formatting with an HTML tag")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add)
            and any(TAG.search(_literal_text(side)) for side in (node.left, node.right))
        ):
            found.append(f"{node.lineno}: + with an HTML tag")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (
                node.func.attr in {"format", "format_map"}
                and TAG.search(_literal_text(owner))
                and not _is_markup(owner)
            ):
                found.append(f"{node.lineno}: str.format with an HTML tag")
            dotted = f"{imported.get(ast.unparse(owner), ast.unparse(owner))}.{node.func.attr}"
            if dotted in HAND_ESCAPES:
                found.append(f"{node.lineno}: {dotted}")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def checked_files() -> list[Path]:
    return sorted(
        path.relative_to(ROOT)
        for package in ("commands", "bot")
        for path in (ROOT / package).rglob("*.py")
        if path.relative_to(ROOT) != RENDERING
    )


@pytest.mark.parametrize("path", checked_files(), ids=str)
def test_html_is_built_by_type(path: Path) -> None:
    assert violations((ROOT / path).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('x = f"<b>{title}</b>"', "1: f-string with an HTML tag"),
        ('x = f"{title}</li>"', "1: f-string with an HTML tag"),
        ("x = f'<a href=\"{url}\">{name}</a>'", "1: f-string with an HTML tag"),
        ('x = "<b>%s</b>" % title', "1: %-formatting with an HTML tag"),
        ('x = "<i>{}</i>".format(title)', "1: str.format with an HTML tag"),
        ('x = "<ul>" + items + "</ul>"', "1: + with an HTML tag"),
        ("import html\nx = html.escape(title)", "2: html.escape"),
        ("from html import escape", "1: imports html.escape"),
        ("from markupsafe import Markup", "1: imports markupsafe.Markup"),
        ('import markupsafe\nx = markupsafe.Markup(f"<b>{t}</b>")', "2: f-string with an HTML tag"),
    ],
)
def test_the_check_finds_untyped_html(snippet: str, expected: str) -> None:
    assert expected in violations(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        'x = Markup("<b>{}</b>").format(title)',
        'x = f"{count} < {limit}"',
        'x = f"{name} <{address}>"',
        'x = Markup("").join(items)',
        'x = f"Vote for {option}"',
        'x = re.compile(rf"(?P<n>{AMOUNT})")',
    ],
)
def test_the_check_lets_typed_html_and_plain_text_pass(snippet: str) -> None:
    assert violations(snippet) == []
