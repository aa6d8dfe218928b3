"""The chat's side of the province's figures (bot/desk/chatlog.py), on SQLite and PostgreSQL: one row per question, what it
was about and never who asked, and a reply that goes out even when the figures cannot be written."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.desk import chatlog
from bot.desk.schema import ChatTurn


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(chatlog.KEY_ENV, "a-test-key-of-enough-length")


def rows(desk) -> list[ChatTurn]:
    with desk.sessions() as session:
        return list(session.scalars(select(ChatTurn).order_by(ChatTurn.id)))


def tracker(sender: str, intent: str, *, channel: str = "rest", last_action: str = "action_listen"):
    return SimpleNamespace(
        sender_id=sender,
        latest_message={"intent": {"name": intent}, "text": "不应被保存的原话"},
        latest_action_name=last_action,
        get_latest_input_channel=lambda: channel,
    )


def test_a_question_is_kept_as_its_topic_and_a_keyed_sender_never_the_person(desk):
    assert chatlog.record_chat_turn(
        desk,
        tracker("13800000001", "ask_337"),
        "answer",
        language="zh",
        entities={"country": ["美国"], "ip_type": ["专利", "商标"]},
        sources=["faq:337-timeline", "policy:5"],
    )
    [turn] = rows(desk)
    assert (turn.channel, turn.kind, turn.intent, turn.country, turn.ip_type) == (
        "rest",
        "answer",
        "ask_337",
        "美国",
        "专利",
    )
    assert turn.sources == ["faq:337-timeline", "policy:5"]
    assert "13800000001" not in turn.sender_key and len(turn.sender_key) == 64
    # the same sender on the same channel is the same key (counted once); another channel is another key
    assert turn.sender_key == chatlog.sender_key("rest", "13800000001")
    assert turn.sender_key != chatlog.sender_key("telegram", "13800000001")
    # and the key is not a plain hash anyone could recompute from a guessed phone number
    assert turn.sender_key != chatlog.sender_key("rest", "13800000001", key=b"another-key-entirely")


def test_one_message_answered_then_escalated_counts_once(desk):
    assert chatlog.record_chat_turn(desk, tracker("u1", "report_dispute"), "answer", language="zh")
    assert not chatlog.record_chat_turn(
        desk, tracker("u1", "report_dispute", last_action="action_answer"), "escalation", language="zh"
    )
    assert [t.kind for t in rows(desk)] == ["answer"]


def test_a_kind_that_is_not_a_question_is_refused(desk):
    assert not chatlog.record_turn(desk, channel="rest", sender_id="u1", kind="greeting")
    assert rows(desk) == []


def test_a_broken_database_costs_the_figure_not_the_reply(desk, caplog):
    def unreachable():
        raise ConnectionError("database is down")

    assert not chatlog.record_chat_turn(unreachable, tracker("u1", "ask_insurance"), "answer", language="zh")
    assert "could not record a answer turn" in caplog.text and "ask_insurance" in caplog.text
    assert rows(desk) == []


def test_a_short_configured_key_is_refused(monkeypatch):
    monkeypatch.setenv(chatlog.KEY_ENV, "short")
    with pytest.raises(chatlog.ChatLogKeyError):
        chatlog.chatlog_key()


def test_without_a_configured_key_one_private_key_is_made_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv(chatlog.KEY_ENV)
    monkeypatch.setenv("IPDESK_VAR_DIR", str(tmp_path))
    first = chatlog.chatlog_key()
    path = tmp_path / chatlog.KEY_FILE
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    monkeypatch.setattr(chatlog, "_cached_key", None)  # a second process reads the same file
    assert chatlog.chatlog_key() == first
