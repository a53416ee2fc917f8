"""The templates' jinja2 environment, made once: autoescaped, strict, and quick with the plain
dicts the pages hand their rows in."""

from __future__ import annotations

from typing import Any

import jinja2


class _Templates(jinja2.Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        # `row.name` on a dict: jinja2 tries the attribute first and reads the key only after
        # an AttributeError; the roster's 500 rows are thousands of such lookups a page.
        # (No template calls a dict's methods.)
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment() -> jinja2.Environment:
    return _Templates(
        loader=jinja2.PackageLoader("commands.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # The templates are files of the installed package: no stat of each one per page.
        auto_reload=False,
    )
