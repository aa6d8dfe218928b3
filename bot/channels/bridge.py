"""What the channels that run their own front end share inside the Rasa server: a token-protected input channel
that answers a message id at most once.

The Telegram worker and the web chat server own their users (a Telegram chat, a browser session) and hand each
message to a channel of their own inside the Rasa server. Such a channel must let only its front end in — whoever
could write into its conversations would decide where the desk's messages go, or read a visitor's answers — so it
takes Rasa's API token (`?token=`), and records its own name as the input channel whatever the body says. A front
end sends a message again after a crash or a timeout, so a message id is answered at most once: the repeat gets the
replies of the first turn, read from the conversation under the conversation's lock, as Rasa runs a turn. A turn
whose custom actions fail is set aside and answered 503; the front end keeps the message and sends it again.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.server import install as install_rasa_fixes
from bot.runtime.turns import LOCK_WAIT_SECONDS, replies_to, run_turn, set_aside
from bot.settings import text

logger = logging.getLogger(__name__)


class TokenBridgeInput(RestInput):
    """A front end's channel: only callers with Rasa's API token, its own input channel name, one turn per id."""

    def __init__(self, token: str | None) -> None:
        install_rasa_fixes()  # the failure watch `run_turn` relies on, also under plain `rasa run`
        self.token = token
        if not token:
            logger.error("the %s channel has no token (set IPDESK_RASA_TOKEN): it refuses every request", self.name())

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> Any:
        return cls((credentials or {}).get("token") or text(os.environ, "IPDESK_RASA_TOKEN"))

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # never what the body claims

    def authorised(self, request: Request) -> bool:
        return bool(self.token) and hmac.compare_digest(str(request.args.get("token", "")), str(self.token))

    async def answer_once(
        self, agent: Agent, sender: str, text: str, metadata: dict[str, Any], message_id: str | None
    ) -> HTTPResponse:
        """The replies of the message's turn, or of its first turn when `message_id` was answered before."""
        collector = CollectingOutputChannel()
        message = UserMessage(
            text, collector, sender, input_channel=self.name(), metadata=metadata, message_id=message_id
        )
        try:
            async with agent.lock_store.lock(sender, wait_time_in_seconds=LOCK_WAIT_SECONDS):
                if message_id is not None:
                    earlier = replies_to(await agent.processor.get_tracker(sender), message_id)
                    if earlier is not None:
                        logger.info(
                            "%s: message %s of %s was answered before; its replies again",
                            self.name(),
                            message_id,
                            sender,
                        )
                        return response.json(earlier)
                turn = await run_turn(agent, message)
                if turn.failed:
                    await set_aside(agent, sender)
                    return response.json(
                        {"error": "the bot cannot answer now; send the message again later"}, status=503
                    )
        except Exception:
            logger.exception("%s channel: the turn of %s (message %s) failed", self.name(), sender, message_id)
            return response.json({"error": "the message could not be handled; send it again"}, status=503)
        return response.json(collector.messages)
