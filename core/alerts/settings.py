"""`[alerts]`: when moderators are told about a burst of signatures (core/alerts/watch.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StrictBool

from core.bounds import Within


class AlertsConfig(BaseModel):
    """Burst alerts are on unless ``enabled = false`` says otherwise: a threshold of 0 is
    refused rather than read as "off", so alerts are never turned off by a typo."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: StrictBool = True
    # More than this many active signatures in the last hour sharing a platform, a referral
    # code or an email domain is a burst (UK Parliament petitions alert at 200 an hour).
    signatures_per_hour: Annotated[
        int, Within(1, 1_000_000, " signatures", note="enabled = false turns alerts off")
    ] = 200
    # On a petition with more than 5,000 signatures in the last hour, each process counts
    # one value of a dimension at most this often (the count reads that hour's signatures),
    # so an alert can come this much later than the crossing; below that, every signature.
    check_interval_seconds: Annotated[float, Within(0, 3600, " seconds", note="1 hour")] = 10.0
