"""The web page's templates name no value after a Jinja literal: `{{ none }}` prints "None"."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

import commands.web

TEMPLATES = sorted((Path(commands.web.__file__).parent / "templates").glob("*.html"))


def literal_outputs(source: str) -> list[object]:
    """Constants printed on their own (`{{ none }}`, `{{ true }}`): a value was meant."""
    tree = jinja2.Environment().parse(source)
    return [
        child.value
        for output in tree.find_all(nodes.Output)
        for child in output.nodes
        if isinstance(child, nodes.Const) and not isinstance(child.value, str)
    ]


def test_a_literal_printed_on_its_own_is_found() -> None:
    assert literal_outputs("<p>{{ none }}</p>{{ true }}") == [None, True]
    assert literal_outputs("<p>{{ nothing_planned }}</p>{{ 'x' }}") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_prints_a_literal(template: Path) -> None:
    assert literal_outputs(template.read_text()) == []
