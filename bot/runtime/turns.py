"""One turn of a conversation, run by our input channels inside the Rasa server, and taking back a turn that failed.

Rasa 3.6 runs a turn whose custom action fails (the action server is down) to its end as if the action had said
nothing: the conversation records the user's message and an answer that never came, and the next turn carries on
from there (inside a form, with the form's question unanswered). Our channels run each turn under
`watch_action_failures` and set such a turn aside: the message stays in the conversation's history, followed by
Rasa's `UserUtteranceReverted` ("rewind"), so the dialogue state is what it was before the message and the turn
can be run again later with the same message id, as if the user had sent it then.

All of this runs under the conversation's lock (`agent.lock_store.lock(sender_id)`), which the caller holds, as
Rasa's own `Agent.handle_message` runs a turn.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered, UserUtteranceReverted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.patches.action_failures import watch_action_failures

logger = logging.getLogger(__name__)

#: How often a message waiting for its conversation's lock looks again (Rasa's default is every second, which adds up
#: to a second to a message sent while the last one is still being answered).
LOCK_WAIT_SECONDS = 0.1


@dataclass
class Turn:
    """The replies of a turn, and the custom actions that failed in it (none when it went through)."""

    replies: list[dict[str, Any]]
    failed_actions: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failed_actions)


async def run_turn(agent: Agent, message: UserMessage) -> Turn:
    """Run the turn of `message` (whose output channel collects the replies). The caller sets a failed turn aside
    (`set_aside`), with the reply it wants the user to have instead."""
    if not isinstance(message.output_channel, CollectingOutputChannel):
        raise TypeError("run_turn needs a message whose output channel collects the replies")
    with watch_action_failures() as failures:
        await agent.processor.handle_message(message)
    if failures:
        logger.warning(
            "the turn of %s (message %s) failed in %s", message.sender_id, message.message_id, ", ".join(failures)
        )
    return Turn(list(message.output_channel.messages), list(failures))


async def record_unanswered(agent: Agent, message: UserMessage, reply: dict[str, Any] | None = None) -> None:
    """Record `message` in its conversation without running its turn (it must wait behind earlier ones), set aside
    as a failed turn is, with `reply` after it."""
    tracker = await agent.processor.log_message(message, should_save_tracker=False)
    await set_aside(agent, message.sender_id, reply, tracker=tracker)


async def set_aside(
    agent: Agent, sender_id: str, reply: dict[str, Any] | None = None, *, tracker: DialogueStateTracker | None = None
) -> None:
    """Take the conversation's last user message back out of its dialogue state, say `reply` (if any), listen."""
    if tracker is None:
        tracker = await agent.processor.get_tracker(sender_id)
    tracker.update(UserUtteranceReverted())
    if reply is not None:
        data = {key: value for key, value in reply.items() if key not in ("text", "recipient_id")}
        tracker.update(BotUttered(reply.get("text"), data))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    await agent.processor.save_tracker(tracker)


async def action_server_answers(agent: Agent, timeout: float = 2.0) -> bool:
    """Whether the action server answers its health check: a held turn is run again only then, so that retries
    while it is down leave nothing in the conversation."""
    endpoint = agent.action_endpoint
    if endpoint is None or not endpoint.url:
        return False
    parts = urlsplit(endpoint.url)
    health = urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(health) as answer:
                return answer.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


def replies_to(tracker: DialogueStateTracker, message_id: str) -> list[dict[str, Any]] | None:
    """The bot's replies to the user message `message_id`, as a collecting channel gives them, from its answered
    turn; None while it has none (never received, or every turn of it set aside)."""
    answered: list[dict[str, Any]] | None = None
    attempt: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            answered = attempt if attempt is not None else answered
            attempt = [] if event.message_id == message_id else None
        elif isinstance(event, UserUtteranceReverted):
            attempt = None
        elif attempt is not None and isinstance(event, BotUttered):
            reply = {"recipient_id": tracker.sender_id, "text": event.text, **(event.data or {})}
            attempt.append({key: value for key, value in reply.items() if value is not None})
    return attempt if attempt is not None else answered
