"""Privacy by design: the rights of the GDPR as commands (access, erasure, the privacy notice),
the retention periods of the [privacy] table enforced daily, and the records of processing."""

from __future__ import annotations

import datetime as dt

from commands.core.feature import ConfigTable, Feature
from commands.core.ports import Ports
from commands.privacy import commands, duty
from commands.privacy.settings import TABLE, parse_privacy, privacy_of


async def set_up(ports: Ports) -> None:
    """Download links stay valid as long as the [privacy] table says."""
    ports.links.valid_for = dt.timedelta(hours=privacy_of(ports.settings).download_link_hours)


FEATURE = Feature(
    "privacy",
    groups=(commands.group,),
    duties=duty.duties,
    config=ConfigTable(TABLE, parse_privacy, None),
    setup=set_up,
)
