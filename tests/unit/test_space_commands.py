"""The space's commands: their order in the help is the order declared in `commands.py`,
whichever module holds the slow half of their work; each queued kind of work has its runner."""

from __future__ import annotations

from commands.space import FEATURE, queued
from commands.space.commands import group


def test_the_network_commands_keep_their_help_order() -> None:
    assert [command.name for command in group.commands] == [
        "space abgleichen",
        "mitglieder",
        "mitglied hinzufügen",
        "mitglied entfernen",
        "mitglieder import",
        "zulassen",
        "ablehnen",
        "wer",
    ]


def test_every_queued_kind_of_work_has_a_runner() -> None:
    kinds = {queued.RECONCILE_JOB, queued.ADMIT_JOB, queued.REMOVE_JOB, queued.REJECT_JOB}
    assert kinds <= set(FEATURE.jobs)
