"""A clock under which something else happens at the moment a service reads the time.

The services read the clock after their checks and just before the transaction that writes; a race between two
people (two editors publishing, a cancel and the runner's swap) is that moment. `Crossing` replays it without threads:
the first time the service reads the time, `meanwhile` runs — another person's action, through another service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from bot.clock import Clock


class Crossing:
    """`clock`'s time; the first reading runs `meanwhile` first."""

    def __init__(self, clock: Clock, meanwhile: Callable[[], object]) -> None:
        self.clock = clock
        self.meanwhile: Callable[[], object] | None = meanwhile

    def now(self) -> datetime:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        return self.clock.now()
