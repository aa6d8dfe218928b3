"""The Telegram worker at its edge (issue 15, reliability 9 and medium 6): an update the Telegram library cannot read
is kept raw, confirmed and alerted to staff instead of stopping the worker; /lang sets the language even when the
cosmetic removal of its keyboard fails."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.desk.schema import OutboxMessage
from tests.helpers.telegram_fake import _Fault
from tests.test_telegram_end_to_end import Telegram, desk, telegram, titles  # noqa: F401 (fixtures)


def test_an_update_the_library_cannot_read_is_kept_confirmed_and_alerted_to_staff(telegram, desk) -> None:  # noqa: F811
    api, chat = telegram.api, 5101
    unreadable = api.push(
        {"callback_query": {"id": "q-broken", "from": api._user(chat, "zh"), "data": "x"}}
    )  # no chat_instance
    api.user_says(chat, "有哪些海外知识产权保险")
    assert "保险" in telegram.wait_for_message(chat).text  # the next update is answered: the worker lives on
    assert telegram.worker.process.poll() is None
    telegram.wait_for(lambda: api.pending_updates() == 0, "every update to be confirmed")

    def alert() -> OutboxMessage | None:
        with desk.sessions() as session:
            return session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == f"telegram-unreadable:{unreadable}")
            )

    found = telegram.wait_for(alert, "the staff alert of the unreadable update")
    assert found.kind == "staff_alert" and str(unreadable) in found.payload["text"]
    time.sleep(1)
    assert telegram.worker.process.poll() is None


def test_the_language_is_set_even_when_its_keyboard_cannot_be_removed(telegram) -> None:  # noqa: F811
    api, chat = telegram.api, 5102
    with api._lock:  # every edit of this chat's messages is refused (not a BadRequest)
        api._faults.append(_Fault("editMessageReplyMarkup", chat, "403", remaining=10**6))
    api.user_says(chat, "/lang")
    choice = telegram.wait_for_message(chat)
    assert titles(choice) == ["中文", "English"]
    seen = len(api.sent(chat))
    api.user_presses(chat, choice, next(b["callback_data"] for b in choice.buttons if b["text"] == "English"))
    assert "Language set to English" in telegram.wait_for_message(chat, after=seen).text
    assert telegram.tracker(chat)["slots"]["language"] == "en"


def test_a_broken_character_neither_stops_the_chat_nor_reaches_the_stores(telegram, desk) -> None:  # noqa: F811
    """Medium 6 on Telegram: a lone UTF-16 surrogate (JSON allows "\\ud800") in a message is dropped at the edge, so
    the message is answered, the conversation records clean text, and the chat's later messages are not stuck."""
    api, chat = telegram.api, 5103
    api.user_says(chat, "有哪些海外知识产权保险\ud800？")
    assert "保险" in telegram.wait_for_message(chat).text
    seen = len(api.sent(chat))
    api.user_says(chat, "337调查怎么应诉")
    assert "337" in telegram.wait_for_message(chat, after=seen).text
    said = [event["text"] for event in telegram.tracker(chat)["events"] if event.get("event") == "user"]
    assert "有哪些海外知识产权保险？" in said and not any("\ud800" in text for text in said)
