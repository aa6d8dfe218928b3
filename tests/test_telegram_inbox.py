"""The worker's inbox: updates stored once, each chat in order, retries, resumable deliveries, buttons, pruning."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.telegram.inbox import Inbox

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def inbox(tmp_path):
    inbox = Inbox(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield inbox
    inbox.close()


def update(update_id: int, chat_id: int | None) -> tuple[int, int | None, dict]:
    return update_id, chat_id, {"update_id": update_id}


def test_an_update_is_stored_once_and_one_without_a_chat_needs_nothing(inbox) -> None:
    assert inbox.store([update(1, 10), update(2, 20), update(3, None)], NOW) == 3
    assert inbox.store([update(1, 10), update(2, 20)], NOW) == 0  # Telegram sent them again
    assert inbox.due_chats(NOW) == [10, 20]


def test_each_chat_waits_behind_its_oldest_update(inbox) -> None:
    inbox.store([update(1, 10), update(2, 10), update(3, 20)], NOW)
    assert inbox.head(10, NOW).update_id == 1
    inbox.retry(1, "Rasa is down", NOW + timedelta(seconds=5), acknowledged=True)
    assert inbox.due_chats(NOW) == [20]  # chat 10's head waits, and so does its second update
    assert inbox.head(10, NOW) is None
    assert inbox.next_wake() == NOW
    later = NOW + timedelta(seconds=5)
    head = inbox.head(10, later)
    assert (head.update_id, head.attempts, head.acknowledged) == (1, 1, True)
    inbox.done(1, later)
    assert inbox.head(10, later).update_id == 2
    inbox.failed(2, "set aside", later)
    assert inbox.head(10, later) is None


def test_a_delivery_keeps_its_first_messages_and_counts_what_was_sent(inbox) -> None:
    first = [{"text": "一"}, {"text": "二"}]
    stored = inbox.add_delivery("update:1", 10, first, NOW)
    assert (stored.messages, stored.sent) == (first, 0)
    inbox.mark_sent("update:1", 1)
    again = inbox.add_delivery("update:1", 10, [{"text": "another answer"}], NOW)
    assert (again.messages, again.sent) == (first, 1)
    inbox.mark_sent("update:1", 0)  # never backwards
    assert inbox.delivery("update:1").sent == 1


def test_a_button_has_a_short_stable_key_for_its_payload(inbox) -> None:
    payload = '/ask_item{"item": "faq:337-timeline-and-stages-of-an-investigation", "detail": "more"}'
    key = inbox.button("查看详情", payload, NOW)
    assert len(f"b:{key}".encode()) <= 64 < len(payload.encode())
    assert inbox.button("查看详情", payload, NOW) == key
    assert inbox.button("More details", payload, NOW) != key
    assert inbox.pressed(key) == ("查看详情", payload)
    assert inbox.pressed("unknown") is None


def test_the_chosen_language_is_kept_per_chat(inbox) -> None:
    assert inbox.language(10) is None
    inbox.set_language(10, "en", NOW)
    inbox.set_language(10, "zh", NOW)
    assert inbox.language(10) == "zh"


def test_pruning_forgets_only_what_can_no_longer_come_again(inbox) -> None:
    inbox.store([update(1, 10), update(2, 10)], NOW)
    inbox.done(1, NOW)
    inbox.add_delivery("update:1", 10, [{"text": "一"}], NOW)
    inbox.mark_sent("update:1", 1)
    inbox.add_delivery("update:2", 10, [{"text": "二"}], NOW)
    key = inbox.button("1", "/rate", NOW)
    inbox.prune(NOW + timedelta(days=3))
    assert inbox.store([update(1, 10)], NOW) == 1  # forgotten: it is long past Telegram's 24 hours
    assert inbox.head(10, NOW).update_id == 1
    assert inbox.delivery("update:1") is None
    assert inbox.delivery("update:2") is not None  # not finished: kept
    assert inbox.pressed(key) is not None
    inbox.prune(NOW + timedelta(days=31))
    assert inbox.pressed(key) is None
