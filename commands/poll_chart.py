"""The chart of a poll's final result as a PNG (matplotlib). Run as `python -m
commands.poll_chart` with the data as JSON on stdin, so the bot itself never loads matplotlib."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Sequence

from commands.i18n import Language, Localized

VOTES = Localized("Stimmen", "Votes")
PARTICIPANTS = Localized("{count} Teilnehmende", "{count} participants")
WIDTH_INCHES = 8.0
DPI = 100


def render_chart(
    question: str,
    labels: Sequence[str],
    counts: Sequence[int],
    participants: int,
    language: Language,
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    # User text with "$" must stay text, not become TeX math.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib import pyplot

    total = sum(counts)
    height = 1.6 + 0.55 * len(labels)
    figure, axes = pyplot.subplots(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, counts, color="#0b6e4f")
        axes.set_yticks(positions, [textwrap.fill(label, 28) for label in labels])
        axes.set_xlabel(VOTES.get(language))
        axes.set_xlim(0, max([*counts, 1]) * 1.25)
        axes.xaxis.get_major_locator().set_params(integer=True)
        for position, count in zip(positions, counts, strict=True):
            share = f"{count / total * 100:.0f} %" if total else "0 %"
            axes.annotate(f" {count} ({share})", (count, position), va="center", fontsize=10)
        axes.set_title(textwrap.fill(question, 60), fontsize=12, loc="left")
        figure.text(0.01, 0.01, PARTICIPANTS.format(language, count=participants), fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        buffer = io.BytesIO()
        # No metadata: the same result gives the same bytes.
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def main() -> None:
    data = json.load(sys.stdin)
    png = render_chart(
        data["question"], data["labels"], data["counts"], data["participants"], data["language"]
    )
    sys.stdout.buffer.write(png)


if __name__ == "__main__":
    main()
