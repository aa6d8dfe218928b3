"""The worker's inbox: updates stored once, each chat in order, retries, resumable deliveries, buttons, pruning."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


def update(update_id: int, chat_id: int | None) -> tuple[int, int | None, dict]:
    return update_id, chat_id, {"update_id": update_id}


def test_an_update_is_stored_once_and_one_without_a_chat_needs_nothing(telegram_inbox) -> None:
    assert telegram_inbox.store([update(1, 10), update(2, 20), update(3, None)], NOW) == 3
    assert telegram_inbox.store([update(1, 10), update(2, 20)], NOW) == 0  # Telegram sent them again
    assert telegram_inbox.due_conversations(NOW) == [10, 20]


def test_each_chat_waits_behind_its_oldest_update(telegram_inbox) -> None:
    telegram_inbox.store([update(1, 10), update(2, 10), update(3, 20)], NOW)
    assert telegram_inbox.head(10, NOW).key == 1
    telegram_inbox.retry(1, "Rasa is down", NOW + timedelta(seconds=5), acknowledged=True)
    assert telegram_inbox.due_conversations(NOW) == [20]  # chat 10's head waits, and so does its second update
    assert telegram_inbox.head(10, NOW) is None
    assert telegram_inbox.next_wake() == NOW
    later = NOW + timedelta(seconds=5)
    head = telegram_inbox.head(10, later)
    assert (head.key, head.attempts, head.acknowledged) == (1, 1, True)
    telegram_inbox.done(1, later)
    assert telegram_inbox.head(10, later).key == 2
    telegram_inbox.failed(2, "set aside", later)
    assert telegram_inbox.head(10, later) is None


def test_a_delivery_keeps_its_first_messages_and_counts_what_was_sent(telegram_inbox) -> None:
    first = [{"text": "一"}, {"text": "二"}]
    stored = telegram_inbox.add_delivery("update:1", 10, first, NOW)
    assert (stored.messages, stored.sent) == (first, 0)
    telegram_inbox.mark_sent("update:1", 1)
    again = telegram_inbox.add_delivery("update:1", 10, [{"text": "another answer"}], NOW)
    assert (again.messages, again.sent) == (first, 1)
    telegram_inbox.mark_sent("update:1", 0)  # never backwards
    assert telegram_inbox.delivery("update:1").sent == 1


def test_a_button_has_a_short_stable_key_for_its_payload(telegram_inbox) -> None:
    payload = '/ask_item{"item": "faq:337-timeline-and-stages-of-an-investigation", "detail": "more"}'
    key = telegram_inbox.button("查看详情", payload, NOW)
    assert len(f"b:{key}".encode()) <= 64 < len(payload.encode())
    assert telegram_inbox.button("查看详情", payload, NOW) == key
    assert telegram_inbox.button("More details", payload, NOW) != key
    assert telegram_inbox.pressed(key) == ("查看详情", payload)
    assert telegram_inbox.pressed("unknown") is None


def test_the_chosen_language_is_kept_per_chat(telegram_inbox) -> None:
    assert telegram_inbox.language(10) is None
    telegram_inbox.set_language(10, "en", NOW)
    telegram_inbox.set_language(10, "zh", NOW)
    assert telegram_inbox.language(10) == "zh"


def test_pruning_forgets_only_what_can_no_longer_come_again(telegram_inbox) -> None:
    telegram_inbox.store([update(1, 10), update(2, 10)], NOW)
    telegram_inbox.done(1, NOW)
    telegram_inbox.add_delivery("update:1", 10, [{"text": "一"}], NOW)
    telegram_inbox.mark_sent("update:1", 1)
    telegram_inbox.add_delivery("update:2", 10, [{"text": "二"}], NOW)
    key = telegram_inbox.button("1", "/rate", NOW)
    telegram_inbox.prune(NOW + timedelta(days=3))
    assert telegram_inbox.store([update(1, 10)], NOW) == 1  # forgotten: it is long past Telegram's 24 hours
    assert telegram_inbox.head(10, NOW).key == 1
    assert telegram_inbox.delivery("update:1") is None
    assert telegram_inbox.delivery("update:2") is not None  # not finished: kept
    assert telegram_inbox.pressed(key) is not None
    telegram_inbox.prune(NOW + timedelta(days=31))
    assert telegram_inbox.pressed(key) is None
