"""Per-sender rate limits shared by the Rasa servers in Redis (bot/runtime/ratelimit.py), on the machine's Redis
(127.0.0.1:6379, or REDIS_TEST_URL): a sender flooding through two servers gets one sender's rate, not two; the
others are untouched; without Redis each server still limits on its own."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis

from bot.runtime.ratelimit import SenderRateLimiter, SharedSenderRateLimiter, sender_rate_limiter

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def client():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is unreachable at {REDIS_URL}: {error}. The rate limit tests use a real Redis: start "
            "one on 127.0.0.1:6379 or point REDIS_TEST_URL at one.",
            pytrace=False,
        )
    prefix = f"ratetest{uuid.uuid4().hex[:10]}"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def servers(client, prefix: str, clock: Clock, count: int = 2, *, burst: int = 3, per_minute: float = 30):
    return [SharedSenderRateLimiter(client, burst, per_minute, prefix=prefix, clock=clock) for _ in range(count)]


def test_a_sender_spreading_messages_over_two_servers_gets_one_senders_rate(client) -> None:
    redis_client, prefix = client
    clock = Clock()
    first, second = servers(redis_client, prefix, clock)

    taken = [(first if n % 2 else second).acquire("flood") for n in range(3)]
    assert taken == [None, None, None]  # the burst, wherever the messages went
    wait = first.acquire("flood")
    assert wait == pytest.approx(2.0)  # 30 a minute: the next token in 2 s
    assert second.acquire("flood") == pytest.approx(2.0)
    assert first.acquire("someone else") is None and second.acquire("someone else") is None

    clock.now += 2.0
    assert second.acquire("flood") is None  # one token refilled, taken on the other server
    assert first.acquire("flood") == pytest.approx(2.0)


def test_an_idle_senders_bucket_is_full_again_and_then_gone_from_redis(client) -> None:
    redis_client, prefix = client
    clock = Clock()
    (limiter,) = servers(redis_client, prefix, clock, count=1, burst=2, per_minute=60)
    assert limiter.acquire("idle") is None
    ttl = redis_client.pttl(f"{prefix}:rate:idle")
    assert 0 < ttl <= 2000  # one token to refill at one a second, and a second's margin
    clock.now += 10
    assert [limiter.acquire("idle") for _ in range(3)] == [None, None, pytest.approx(1.0)]  # the burst, never more


def test_a_server_clock_behind_the_others_never_refills_backwards(client) -> None:
    redis_client, prefix = client
    ahead, behind = Clock(), Clock()
    behind.now -= 30
    fast = SharedSenderRateLimiter(redis_client, 1, 30, prefix=prefix, clock=ahead)
    slow = SharedSenderRateLimiter(redis_client, 1, 30, prefix=prefix, clock=behind)
    assert fast.acquire("skew") is None
    assert slow.acquire("skew") == pytest.approx(2.0)


def test_without_redis_each_server_limits_on_its_own_and_says_so(caplog) -> None:
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5, socket_timeout=0.5)
    limiter = SharedSenderRateLimiter(unreachable, 2, 30, prefix="nowhere")
    with caplog.at_level(logging.WARNING, logger="bot.runtime.ratelimit"):
        results = [limiter.acquire("flood") for _ in range(3)]
        limiter.acquire("another")
    assert results[:2] == [None, None] and results[2] == pytest.approx(2.0, abs=0.1)
    warnings = [r for r in caplog.records if "Redis cannot be reached" in r.getMessage()]
    assert len(warnings) == 1  # said once, not at every message


def test_the_servers_share_their_limits_when_redis_is_configured() -> None:
    shared = sender_rate_limiter(3, 30, {"REDIS_URL": REDIS_URL, "IPDESK_REDIS_PREFIX": "ratetestchannel"})
    assert isinstance(shared, SharedSenderRateLimiter) and shared.prefix == "ratetestchannel"
    assert isinstance(sender_rate_limiter(3, 30, {}), SenderRateLimiter)
