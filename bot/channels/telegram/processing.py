"""What working through the inbox (bot/channels/processing.py) is on Telegram: an update read back from its stored
JSON and handled (`UpdateHandler`), its answer sent within Telegram's flood limits (`Messenger`), and Telegram's
errors sorted.

A part that is down is Rasa, the desk's database or Telegram itself (a network error, a flood wait that did not
end); when it is Telegram, the user is not told the update waits, since that note could not be sent either. A chat
that blocked the bot or left the group (403 Forbidden) can never be answered, and its update is set aside at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.inbox import Pending
from bot.channels.processing import Channel
from bot.channels.telegram.rasa_client import RasaUnavailable
from bot.channels.telegram.sending import Messenger
from bot.channels.telegram.updates import UpdateHandler


class TelegramChannel(Channel[int, int]):
    """Updates (by update_id) of chats (by chat id)."""

    message_noun = "update"
    conversation_noun = "chat"
    delivery_prefix = "update"
    unreachable_because = "the user blocked the bot or left the chat"

    def __init__(self, bot: Bot, handler: UpdateHandler, messenger: Messenger) -> None:
        self.bot = bot
        self.handler = handler
        self.messenger = messenger

    async def answer(self, pending: Pending[int, int]) -> list[dict[str, Any]]:
        return await self.handler.handle(Update.de_json(pending.payload, self.bot))

    async def send(self, conversation: int, message: dict[str, Any]) -> None:
        await self.messenger.send(conversation, message)

    def is_outage(self, error: BaseException) -> bool:
        if isinstance(error, (RasaUnavailable, OperationalError, InterfaceError, RetryAfter)):
            return True
        return isinstance(error, NetworkError) and not isinstance(error, BadRequest)

    def is_unreachable(self, error: BaseException) -> bool:
        return isinstance(error, Forbidden)

    def may_acknowledge(self, error: BaseException) -> bool:
        return not isinstance(error, (NetworkError, RetryAfter))

    async def acknowledge(self, pending: Pending[int, int]) -> bool:
        for message in self.handler.acknowledgement(Update.de_json(pending.payload, self.bot)):
            await self.messenger.send(pending.conversation, message)
        return True
