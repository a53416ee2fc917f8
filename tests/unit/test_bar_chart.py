"""Bar charts: a real PNG of a sensible size, whatever the text holds, one panel per question."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

from commands.core.bar_chart import Panel, chart_png, render_chart

PNG = b"\x89PNG\r\n\x1a\n"


def size_of(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize(
    ("labels", "counts"),
    [
        (["Rolle", "Agiles Arbeiten"], [2, 1]),
        (["Kosten $5 vs $10", "Größe & Übermaß <b>"], [0, 0]),
        ([f"Antwort {n} mit einem recht langen Text zum Umbrechen" for n in range(20)], [1] * 20),
    ],
)
def test_the_chart_is_a_png_that_grows_with_the_answers(
    labels: list[str], counts: list[int]
) -> None:
    png = render_chart([Panel("Welche Themen? $x$", labels, counts)], "Stimmen", "3 Teilnehmende")
    width, height = size_of(png)
    assert width == 800
    assert 150 < height < 200 + 80 * len(labels)


def test_each_panel_adds_height() -> None:
    one = Panel("Frage", ["A", "B", "C"], [1, 2, 3])
    single = size_of(render_chart([one], "Stimmen", ""))[1]
    triple = size_of(render_chart([one, one, one], "Stimmen", ""))[1]
    assert triple > 2.5 * single - 100


def test_the_same_result_gives_the_same_bytes() -> None:
    first = render_chart([Panel("Frage", ["A", "B"], [3, 1])], "Votes", "4 participants")
    assert first == render_chart([Panel("Frage", ["A", "B"], [3, 1])], "Votes", "4 participants")
    assert first != render_chart([Panel("Frage", ["A", "B"], [1, 3])], "Votes", "4 participants")


def test_it_runs_as_a_child_process_with_json_on_stdin() -> None:
    data = {"panels": [{"title": "Q", "labels": ["A", "B"], "counts": [1, 2]}], "axis": "Votes"}
    data["footer"] = "3 participants"
    done = subprocess.run(
        [sys.executable, "-m", "commands.core.bar_chart"],
        input=json.dumps(data).encode(),
        capture_output=True,
        check=True,
    )
    assert size_of(done.stdout)[0] == 800


async def test_chart_png_draws_in_a_child_process() -> None:
    png = await chart_png([Panel("Q", ["A", "B"], [1, 2])], "Votes", "3 participants")
    assert size_of(png)[0] == 800
