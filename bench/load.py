"""The load: simulated enterprises, each holding conversations with the bot through the REST channel.

Each simulated user is one of `concurrency` concurrent conversations: it sends a conversation's messages one after
the other, each as soon as the answer to the last one came back (a closed loop: the heaviest load that many people
typing at once can put on the bot), and starts a new conversation, with a new sender id, after the last message.
The conversation is a visitor's typical exchange: a greeting, three questions answered from the knowledge base,
one in English, one out of scope. Live disputes are left out: each would open a ticket with an expert.

`parse` sends the same texts to Rasa's `/model/parse` instead: the bare NLU, the floor of the whole path.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

CONVERSATION = (
    "你好",
    "有哪些海外知识产权保险",
    "337调查一般要多久",
    "智南针网是什么",
    "How long does a Section 337 investigation take?",
    "明天太原天气怎么样",
)


@dataclass
class Exchange:
    """One message and what came back."""

    sender: str
    text: str
    started: float
    seconds: float
    status: int
    replies: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Run:
    """Every exchange of a run, with its wall-clock span."""

    exchanges: list[Exchange] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0

    def latencies(self) -> list[float]:
        return sorted(e.seconds for e in self.exchanges if e.ok)

    def percentile(self, fraction: float) -> float:
        values = self.latencies()
        if not values:
            return float("nan")
        return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]

    @property
    def errors(self) -> int:
        return sum(not e.ok for e in self.exchanges)

    @property
    def per_second(self) -> float:
        return sum(e.ok for e in self.exchanges) / self.seconds if self.seconds else 0.0


async def drive(
    base_url: str,
    *,
    concurrency: int,
    duration: float | None = None,
    messages: int | None = None,
    parse_token: str | None = None,
    conversation: tuple[str, ...] = CONVERSATION,
    label: str | None = None,
    timeout: float = 120.0,
) -> Run:
    """Hold `concurrency` conversations at once until `duration` seconds or `messages` messages are done; with
    `parse_token`, send each text to /model/parse instead of the chat."""
    if (duration is None) == (messages is None):
        raise ValueError("give a duration or a number of messages")
    run_id = label or uuid.uuid4().hex[:8]
    run = Run(started=time.monotonic())
    deadline = run.started + duration if duration is not None else float("inf")
    budget = [messages if messages is not None else -1]
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)

    def take() -> bool:
        if time.monotonic() >= deadline or budget[0] == 0:
            return False
        budget[0] -= 1
        return True

    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:

        async def user(number: int) -> None:
            conversation_number = 0
            while True:
                sender = f"bench-{run_id}-{number}-{conversation_number}"
                for text in conversation:
                    if not take():
                        return
                    run.exchanges.append(await _exchange(session, base_url, sender, text, parse_token))
                conversation_number += 1

        await asyncio.gather(*(user(n) for n in range(concurrency)))
    run.seconds = time.monotonic() - run.started
    return run


async def _exchange(
    session: aiohttp.ClientSession, base_url: str, sender: str, text: str, parse_token: str | None
) -> Exchange:
    if parse_token is not None:
        url, body, params = f"{base_url}/model/parse", {"text": text}, {"token": parse_token}
    else:
        url, body, params = f"{base_url}/webhooks/rest/webhook", {"sender": sender, "message": text}, {}
    started = time.monotonic()
    try:
        async with session.post(url, json=body, params=params) as response:
            raw = await response.read()
            seconds = time.monotonic() - started
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode("utf-8", "replace")[:500]
        return Exchange(sender, text, started, seconds, response.status, payload)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return Exchange(sender, text, started, time.monotonic() - started, 0, None, f"{type(error).__name__}: {error}")


def run_load(base_url: str, **options: Any) -> Run:
    """`drive` from synchronous code (a test's background thread, the benchmark)."""
    return asyncio.run(drive(base_url, **options))
