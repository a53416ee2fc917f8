"""Privacy by design: the rights of the GDPR as commands (access, erasure, the privacy notice),
the retention periods of the [privacy] table enforced daily, and the records of processing."""

from __future__ import annotations

from commands.core.feature import ConfigTable, Feature
from commands.privacy import commands, duty
from commands.privacy.settings import TABLE, parse_privacy

FEATURE = Feature(
    "privacy",
    groups=(commands.group,),
    duties=duty.duties,
    config=ConfigTable(TABLE, parse_privacy, None),
)
