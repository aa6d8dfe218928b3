"""The Rasa input channel the WeChat worker talks through; it runs inside the Rasa server.

It is the Telegram bridge (bot/channels/telegram/rasa_channel.py) under another name: POST
/webhooks/wechat/webhook with {"sender": "wx:<openid>", "message", "metadata"}, Rasa's API token required (whoever
writes into a "wechat" conversation decides which follower the desk's answers go to), the conversation recorded as
WeChat's so that its tickets' answers come back through the WeChat worker, and a message carrying
`metadata.wechat.key` (its MsgId) handled at most once: a repeat gets the first turn's replies.
"""

from __future__ import annotations

from typing import Any

from bot.channels.identity import WECHAT_PREFIX, wechat_message_id
from bot.channels.telegram.rasa_channel import TelegramBridgeInput


class WeChatBridgeInput(TelegramBridgeInput):
    """The "wechat" input channel."""

    sender_prefix = WECHAT_PREFIX

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def message_id(self, metadata: dict[str, Any]) -> str | None:
        key = (metadata.get("wechat") or {}).get("key")
        return wechat_message_id(key) if isinstance(key, str) and key else None
