"""How Telegram's things are named on Rasa's side; the worker and the channel inside Rasa must agree on both."""
from __future__ import annotations

SENDER_PREFIX = "tg:"


def sender_id(chat_id: int) -> str:
    """The Rasa conversation (sender id) of a Telegram chat."""
    return f"{SENDER_PREFIX}{chat_id}"


def message_id_for(update_id: int) -> str:
    """The Rasa message id of a Telegram update: what makes a repeat of it recognisable in the conversation."""
    return f"telegram-update-{update_id}"
