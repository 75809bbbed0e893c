"""What availability knows of a booking: the store reads it, the sharing service reasons on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Busy:
    """An active booking or block (UTC instants) holding one unit of a resource."""

    starts_at: datetime
    ends_at: datetime
    unit: int
    booking_id: int | None = None
