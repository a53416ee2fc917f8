"""The templates' environment reads a dict row's key first, and is otherwise jinja2's: an
attribute of any other object, a missing key or attribute still an error (StrictUndefined),
escaped output."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
import pytest

from commands.web.template_env import environment


@dataclass
class Row:
    name: str


def render(source: str, **values: object) -> str:
    return environment().from_string(source).render(values)


def test_a_dict_row_and_an_object_row_render_alike_and_escaped() -> None:
    source = "{% for row in rows %}<td>{{ row.name }}</td>{% endfor %}"
    assert render(source, rows=[{"name": "Ä & <b>"}]) == "<td>Ä &amp; &lt;b&gt;</td>"
    assert render(source, rows=[Row("Ä & <b>")]) == "<td>Ä &amp; &lt;b&gt;</td>"


def test_a_missing_key_is_still_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("{{ row.nope }}", row={"name": "x"})


def test_a_dicts_own_methods_are_still_reached_when_no_key_hides_them() -> None:
    assert render("{{ row.get('name') }}", row={"name": "x"}) == "x"
