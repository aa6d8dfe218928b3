"""How the channels' conversations are named on Rasa's side, in one place because the channels must agree: a
Telegram chat is the sender `tg:<chat id>` (the worker and the channel inside Rasa name it so, and the REST channel
refuses senders that claim the prefix), and an update's message id makes a repeat of it recognisable. A new channel
(the web chat, WeChat) adds its prefix here."""

from __future__ import annotations

SENDER_PREFIX = "tg:"


def sender_id(chat_id: int) -> str:
    """The Rasa conversation (sender id) of a Telegram chat."""
    return f"{SENDER_PREFIX}{chat_id}"


def message_id_for(update_id: int) -> str:
    """The Rasa message id of a Telegram update: what makes a repeat of it recognisable in the conversation."""
    return f"telegram-update-{update_id}"


# --- The web chat (bot/channels/webchat): a visitor's conversation is `web:<random token>`, issued by the web chat
# server in a signed session; the REST channel refuses the prefix, so no client can write into one.
WEBCHAT_PREFIX = "web:"


def webchat_message_id(client_id: str) -> str:
    """The Rasa message id of a web chat message: the browser's own id for it, so a repeated POST is recognisable."""
    return f"webchat-{client_id}"


# WeChat Official Account: a follower is the sender `wx:<openid>` (the openid is the follower's id within this one
# account); a message's MsgId (or, for an event, its sender and time) makes WeChat's retries of it recognisable.
WECHAT_PREFIX = "wx:"


def wechat_sender_id(openid: str) -> str:
    """The Rasa conversation (sender id) of a WeChat follower."""
    return f"{WECHAT_PREFIX}{openid}"


def wechat_message_id(key: str) -> str:
    """The Rasa message id of a WeChat message, from its inbox key (MsgId, or openid and time for an event)."""
    return f"wechat-{key}"


#: Every prefix a channel of its own owns: the REST channel refuses senders that claim one.
CHANNEL_PREFIXES = (SENDER_PREFIX, WEBCHAT_PREFIX, WECHAT_PREFIX)
