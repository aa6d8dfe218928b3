"""Per-sender rate limiting for the chat's public entry, so that one flooding client cannot starve the others.

A token bucket per sender: `burst` messages at once, then `per_minute` a minute. A person typing, or pressing the
bot's buttons, never comes near it; a script sending a message every few milliseconds is refused at once, before
any work is done for it, and told when to try again.

One Rasa server keeps its buckets in the process (`SenderRateLimiter`); idle ones are forgotten so the table stays
small. Several Rasa servers behind nginx share them in Redis (`SharedSenderRateLimiter`, when IPDESK_REDIS_URL is set), so a
sender gets the same rate however its messages are spread over the servers. When Redis cannot be reached each server
limits on its own until it can: the chat goes on, and the lock store reports Redis's absence anyway.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from bot.settings import text

logger = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def acquire(self, sender: str) -> float | None:
        """Take one message's token: None when the message may go ahead, else the seconds to wait."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SenderRateLimiter:
    """`acquire(sender)` takes one message's token: None when the message may go ahead, else the seconds to wait."""

    def __init__(
        self, burst: int, per_minute: float, *, max_senders: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
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


#: One sender's token bucket in a Redis hash, changed atomically: refill for the time since the last message (never
#: backwards, should the servers' clocks differ), take a token or say how long until one is there. The key expires once
#: the bucket would be full again, which is when a fresh bucket is the same. The wait comes back as a string: Redis
#: turns a Lua number into an integer.
_TAKE_TOKEN = """
local burst, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(bucket[1]), tonumber(bucket[2])
if tokens == nil or updated == nil then tokens, updated = burst, now end
if now > updated then tokens, updated = math.min(burst, tokens + (now - updated) * rate), now end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class SharedSenderRateLimiter:
    """The token buckets of `SenderRateLimiter`, kept in Redis for every Rasa server at once.

    Time is the servers' wall clock (`clock`), which NTP keeps within milliseconds of each other; a bucket never
    refills backwards. After a Redis error the servers' own buckets (`fallback`) decide for `retry_seconds`, then
    Redis is tried again."""

    def __init__(
        self,
        client: Any,
        burst: int,
        per_minute: float,
        *,
        prefix: str = "ipdesk",
        clock: Callable[[], float] = time.time,
        retry_seconds: float = 5.0,
        fallback: SenderRateLimiter | None = None,
    ) -> None:
        self.fallback = fallback or SenderRateLimiter(burst, per_minute)  # which refuses impossible limits
        self.burst, self.rate = self.fallback.burst, self.fallback.rate
        self.prefix = prefix
        self.clock = clock
        self.retry_seconds = retry_seconds
        self._take = client.register_script(_TAKE_TOKEN)
        self._retry_redis_at = float("-inf")  # while Redis is down: when to try it again

    @classmethod
    def from_url(
        cls, redis_url: str, burst: int, per_minute: float, *, prefix: str = "ipdesk"
    ) -> "SharedSenderRateLimiter":
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, burst, per_minute, prefix=prefix)

    @property
    def redis_down(self) -> bool:
        return self._retry_redis_at != float("-inf")

    def acquire(self, sender: str) -> float | None:
        if time.monotonic() < self._retry_redis_at:
            return self.fallback.acquire(sender)
        try:
            wait = float(self._take(keys=[f"{self.prefix}:rate:{sender}"], args=[self.burst, self.rate, self.clock()]))
        except Exception as error:  # noqa: BLE001 — redis' connection and response errors alike: the chat goes on
            if not self.redis_down:
                logger.warning(
                    "rate limit: Redis cannot be reached (%s); each server limits its senders on its own "
                    "and tries Redis again every %.0f s",
                    error,
                    self.retry_seconds,
                )
            self._retry_redis_at = time.monotonic() + self.retry_seconds
            return self.fallback.acquire(sender)
        if self.redis_down:
            logger.warning("rate limit: Redis answers again; the servers share their senders' limits")
            self._retry_redis_at = float("-inf")
        return wait if wait > 0 else None


def sender_rate_limiter(
    burst: int, per_minute: float, environ: Mapping[str, str] = os.environ, *, scope: str = ""
) -> RateLimiter:
    """Limits shared in Redis when `IPDESK_REDIS_URL` is set (keys under `IPDESK_REDIS_PREFIX`, as the lock store's,
    then `scope`: the client addresses' buckets are apart from the senders'), else this process's own."""
    redis_url = text(environ, "IPDESK_REDIS_URL")
    if not redis_url:
        return SenderRateLimiter(burst, per_minute)
    prefix = text(environ, "IPDESK_REDIS_PREFIX") or "ipdesk"
    return SharedSenderRateLimiter.from_url(
        redis_url, burst, per_minute, prefix=f"{prefix}:{scope}" if scope else prefix
    )


def retry_after_seconds(wait: float) -> int:
    """The whole seconds to put in a Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))
