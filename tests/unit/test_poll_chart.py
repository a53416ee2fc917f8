"""The final-result chart: a real PNG of a sensible size, whatever the text holds."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from commands.poll_chart import render_chart

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
    png = render_chart("Welche Themen? $x$", labels, counts, sum(counts), "de")
    width, height = size_of(png)
    assert width == 800
    assert 150 < height < 200 + 80 * len(labels)


def test_the_same_result_gives_the_same_bytes() -> None:
    first = render_chart("Frage", ["A", "B"], [3, 1], 4, "en")
    assert first == render_chart("Frage", ["A", "B"], [3, 1], 4, "en")
    assert first != render_chart("Frage", ["A", "B"], [1, 3], 4, "en")


def test_it_runs_as_a_child_process_with_json_on_stdin() -> None:
    data = b'{"question": "Q", "labels": ["A", "B"], "counts": [1, 2], "participants": 3, '
    data += b'"language": "en"}'
    done = subprocess.run(
        [sys.executable, "-m", "commands.poll_chart"], input=data, capture_output=True, check=True
    )
    assert size_of(done.stdout)[0] == 800
