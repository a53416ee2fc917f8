"""Bar charts as PNG (matplotlib): one panel per question, e.g. a poll's final result or a
survey's answers. `chart_png` draws in a child process (`python -m commands.core.bar_chart`, JSON on
stdin), so the bot itself never loads matplotlib and its memory stays small."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_INCHES = 8.0
DPI = 100
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Panel:
    title: str
    labels: list[str]
    counts: list[int]


def render_chart(panels: Sequence[Panel], axis_label: str, footer: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    # User text with "$" must stay text, not become TeX math.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib import pyplot

    heights = [1.0 + 0.55 * max(len(panel.labels), 1) for panel in panels]
    figure, axes_list = pyplot.subplots(
        len(panels),
        1,
        figsize=(WIDTH_INCHES, sum(heights) + 0.6),
        dpi=DPI,
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    try:
        for panel, axes in zip(panels, axes_list[:, 0], strict=True):
            _draw(axes, panel, axis_label)
        figure.text(0.01, 0.01, footer, fontsize=9)
        figure.tight_layout(rect=(0, 0.6 / (sum(heights) + 0.6), 1, 1))
        buffer = io.BytesIO()
        # No metadata: the same result gives the same bytes.
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def _draw(axes: Axes, panel: Panel, axis_label: str) -> None:
    total = sum(panel.counts)
    positions = list(range(len(panel.labels)))[::-1]
    axes.barh(positions, panel.counts, color="#0b6e4f")
    axes.set_yticks(positions, [textwrap.fill(label, 28) for label in panel.labels])
    axes.set_xlabel(axis_label)
    axes.set_xlim(0, max([*panel.counts, 1]) * 1.25)
    axes.xaxis.get_major_locator().set_params(integer=True)
    for position, count in zip(positions, panel.counts, strict=True):
        share = f"{count / total * 100:.0f} %" if total else "0 %"
        axes.annotate(f" {count} ({share})", (count, position), va="center", fontsize=10)
    axes.set_title(textwrap.fill(panel.title, 60), fontsize=12, loc="left")
    axes.spines[["top", "right"]].set_visible(False)


async def chart_png(panels: Sequence[Panel], axis_label: str, footer: str) -> bytes:
    """The chart drawn by a child process; RuntimeError if it fails."""
    data = {"panels": [asdict(panel) for panel in panels], "axis": axis_label, "footer": footer}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "commands.core.bar_chart"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    png, errors = await process.communicate(json.dumps(data).encode())
    if process.returncode != 0 or not png.startswith(PNG_SIGNATURE):
        raise RuntimeError(f"chart failed ({process.returncode}): {errors.decode()[-500:]}")
    return png


def main() -> None:
    data = json.load(sys.stdin)
    panels = [Panel(**panel) for panel in data["panels"]]
    sys.stdout.buffer.write(render_chart(panels, data["axis"], data["footer"]))


if __name__ == "__main__":
    main()
