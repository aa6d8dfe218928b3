"""The chat's privacy notice: said when the escalation form starts (before it asks for the company and the contact)
and in the help, with the retention period the desk is configured with."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, escalation
from actions.answer import ActionHelp
from actions.escalation import ActionStartEscalation


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    """These tests are about the wording: no chat turn may land in the installation's own desk database."""
    for module in (conversation, escalation):
        monkeypatch.setattr(module, "record_chat_turn", lambda *args, **kwargs: True, raising=False)
    monkeypatch.delenv("IPDESK_RETENTION_DAYS", raising=False)


def said(action, text: str, intent: str) -> str:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}
    tracker = Tracker("web-1", {}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        (ActionStartEscalation(), "我要找专家咨询", "request_human"),
        (ActionStartEscalation(), "我们的亚马逊店铺今天被TRO冻结了", "report_dispute"),
        (ActionHelp(), "你能做什么", "help"),
    ],
)
def test_the_notice_states_the_configured_period(action, text: str, intent: str, monkeypatch) -> None:
    default = said(action, text, intent)
    assert "隐私说明" in default and "仅工作人员和受理专家可见" in default
    assert "保存 730 天（约 2 年）" in default and "自动匿名化" in default
    monkeypatch.setenv("IPDESK_RETENTION_DAYS", "365")
    shorter = said(action, text, intent)
    assert "保存 365 天（约 1 年）" in shorter and "730" not in shorter


def test_the_notice_comes_in_english_for_an_english_conversation(monkeypatch) -> None:
    monkeypatch.setenv("IPDESK_RETENTION_DAYS", "90")
    start = said(ActionStartEscalation(), "I need to talk to an expert please", "request_human")
    assert "Privacy:" in start and "90 days (about 3 months)" in start and "anonymised" in start
    assert "隐私" not in start
    help_text = said(ActionHelp(), "what can you do for me?", "help")
    assert "Try asking" in help_text and "90 days (about 3 months)" in help_text


def test_the_escalation_start_says_the_notice_before_any_question(monkeypatch) -> None:
    latest = {"text": "我要找专家", "intent": {"name": "request_human", "confidence": 0.95}, "entities": []}
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionStartEscalation().run(dispatcher, Tracker("web-1", {}, latest, [], False, None, {}, "action_listen"), {})
    )
    first = dispatcher.messages[0]
    assert "隐私说明" in first["text"] and first["custom"]["kind"] == "escalation"
    assert "ask" not in first["custom"]  # the form's first question (the company) comes after it
