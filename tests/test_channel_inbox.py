"""The channels' inbox (bot/channels/inbox.py) as each worker stores it: the files earlier workers wrote are read as
they are, WeChat's messages keep the order they came in whatever their keys, and each channel forgets its
deliveries when it always did."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.telegram.inbox import Inbox as TelegramInbox
from bot.channels.wechat.inbox import Inbox as WeChatInbox

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)

#: The tables as the workers created them before the inbox was shared (sqlite_master of var/*-inbox.db).
EARLIER_LAYOUT = {
    "telegram": [
        "CREATE TABLE telegram_updates (update_id BIGINT NOT NULL, chat_id BIGINT, payload JSON NOT NULL, status VARCHAR(8) NOT NULL, attempts INTEGER NOT NULL, next_attempt_at DATETIME NOT NULL, acknowledged BOOLEAN NOT NULL, last_error TEXT, received_at DATETIME NOT NULL, done_at DATETIME, PRIMARY KEY (update_id))",
        'CREATE TABLE telegram_deliveries ("key" VARCHAR(200) NOT NULL, chat_id BIGINT NOT NULL, messages JSON NOT NULL, sent INTEGER NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY ("key"))',
        "INSERT INTO telegram_updates VALUES (7, 42, '{\"update_id\": 7}', 'pending', 2, '2026-11-24 01:00:00.000000', 1, 'RasaUnavailable: down', '2026-11-24 00:59:00.000000', NULL)",
        'INSERT INTO telegram_deliveries VALUES (\'update:7\', 42, \'[{"text": "一"}, {"text": "二"}]\', 1, \'2026-11-24 01:00:00.000000\')',
    ],
    "wechat": [
        'CREATE TABLE wechat_messages (id INTEGER NOT NULL, "key" VARCHAR(200) NOT NULL, openid VARCHAR(128) NOT NULL, payload JSON NOT NULL, status VARCHAR(8) NOT NULL, attempts INTEGER NOT NULL, next_attempt_at DATETIME NOT NULL, acknowledged BOOLEAN NOT NULL, passive JSON, last_error TEXT, received_at DATETIME NOT NULL, done_at DATETIME, PRIMARY KEY (id), UNIQUE ("key"))',
        'CREATE TABLE wechat_deliveries ("key" VARCHAR(200) NOT NULL, openid VARCHAR(128) NOT NULL, messages JSON NOT NULL, sent INTEGER NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY ("key"))',
        "INSERT INTO wechat_messages VALUES (1, 'msg:7', 'o-A', '{\"MsgId\": \"7\"}', 'pending', 2, '2026-11-24 01:00:00.000000', 1, '{\"text\": \"已收到\"}', 'RasaUnavailable: down', '2026-11-24 00:59:00.000000', NULL)",
        "INSERT INTO wechat_deliveries VALUES ('message:msg:7', 'o-A', '[{\"text\": \"一\"}, {\"text\": \"二\"}]', 1, '2026-11-24 01:00:00.000000')",
    ],
}


@pytest.mark.parametrize(
    ("channel", "inbox_class", "key", "conversation", "delivery"),
    [
        ("telegram", TelegramInbox, 7, 42, "update:7"),
        ("wechat", WeChatInbox, "msg:7", "o-A", "message:msg:7"),
    ],
)
def test_an_inbox_file_written_before_is_read_and_resumed(tmp_path, channel, inbox_class, key, conversation, delivery):
    path = tmp_path / f"{channel}-inbox.db"
    with sqlite3.connect(path) as connection:
        for statement in EARLIER_LAYOUT[channel]:
            connection.execute(statement)
    inbox = inbox_class(f"sqlite:///{path}")
    try:
        assert inbox.due_conversations(NOW) == [conversation]
        head = inbox.head(conversation, NOW)
        assert (head.key, head.conversation, head.attempts, head.acknowledged) == (key, conversation, 2, True)
        stored = inbox.delivery(delivery)
        assert (stored.conversation, stored.messages, stored.sent) == (
            conversation,
            [{"text": "一"}, {"text": "二"}],
            1,
        )
        assert inbox.retry(key, "still down", NOW) == 3
        inbox.done(key, NOW)
        assert inbox.head(conversation, NOW) is None
    finally:
        inbox.close()


def test_a_followers_messages_keep_the_order_they_came_in_and_a_retry_is_one_message(wechat_inbox) -> None:
    assert (
        wechat_inbox.store([("msg:9", "o-A", {"n": 1}), ("event:abc", "o-A", {"n": 2}), ("msg:1", "o-B", {})], NOW) == 3
    )
    assert wechat_inbox.store([("msg:9", "o-A", {"n": "again"})], NOW) == 0  # WeChat's retry of the same MsgId
    assert wechat_inbox.due_conversations(NOW) == ["o-A", "o-B"]
    assert wechat_inbox.head("o-A", NOW).payload == {"n": 1}
    wechat_inbox.answered_passively("msg:9", {"text": "你好"})
    wechat_inbox.done("msg:9", NOW)
    assert wechat_inbox.state("msg:9") == ("done", {"text": "你好"})
    assert wechat_inbox.head("o-A", NOW).key == "event:abc"


def finished_and_unfinished(inbox, conversation) -> None:
    inbox.add_delivery("done", conversation, [{"text": "一"}], NOW)
    inbox.mark_sent("done", 1)
    inbox.add_delivery("unfinished", conversation, [{"text": "一"}], NOW)


def test_wechat_keeps_finished_deliveries_fourteen_days_and_telegram_two(wechat_inbox, telegram_inbox) -> None:
    finished_and_unfinished(wechat_inbox, "o-A")
    finished_and_unfinished(telegram_inbox, 42)
    for inbox in (wechat_inbox, telegram_inbox):
        inbox.prune(NOW + timedelta(days=3))
    assert wechat_inbox.delivery("done") is not None and telegram_inbox.delivery("done") is None
    for inbox in (wechat_inbox, telegram_inbox):
        assert inbox.delivery("unfinished") is not None
        inbox.prune(NOW + timedelta(days=15))
        assert inbox.delivery("unfinished") is None and inbox.delivery("done") is None
