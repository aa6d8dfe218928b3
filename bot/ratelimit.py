"""Per-sender rate limiting for the chat's public entry, so that one flooding client cannot starve the others.

A token bucket per sender: `burst` messages at once, then `per_minute` a minute. A person typing, or pressing the
bot's buttons, never comes near it; a script sending a message every few milliseconds is refused at once, before
any work is done for it, and told when to try again. Buckets live in the process (each Rasa server keeps its own:
behind nginx's round robin a sender can get up to twice the rate through two servers, which still protects every
other conversation); idle ones are forgotten so the table stays small.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SenderRateLimiter:
    """`acquire(sender)` takes one message's token: None when the message may go ahead, else the seconds to wait."""

    def __init__(self, burst: int, per_minute: float, *, max_senders: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a rate limit needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.rate = per_minute / 60.0
        self.max_senders = max_senders
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, sender: str) -> float | None:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(sender)
            if bucket is None:
                if len(self._buckets) >= self.max_senders:
                    self._forget_idle(now)
                bucket = self._buckets[sender] = _Bucket(float(self.burst), now)
            else:
                bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (their senders are idle); if every sender is busy, the oldest half."""
        full = [s for s, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for sender in full:
            del self._buckets[sender]
        if len(self._buckets) >= self.max_senders:
            oldest = sorted(self._buckets, key=lambda s: self._buckets[s].updated)[: len(self._buckets) // 2]
            for sender in oldest:
                del self._buckets[sender]


def retry_after_seconds(wait: float) -> int:
    """The whole seconds to put in a Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))
