"""The "webchat" channel's checks (the same refusals as REST) and how a conversation's events become the chat's
messages: button titles instead of payloads, each message once, the desk's triggers hidden, sources as links."""

from __future__ import annotations

import pytest

from bot.channels.webchat.messages import Refused, read_message
from bot.channels.webchat.rendering import after, cursor_of, messages

SENDER = "web:" + "a" * 43


def body(text: object, **fields: object) -> dict[str, object]:
    return {"sender": SENDER, "message": text, "message_id": "message-0001", **fields}


@pytest.mark.parametrize(
    ("request_body", "reason"),
    [
        (["not", "an", "object"], "expected"),
        ({**body("你好"), "sender": "rest-user"}, "web chat"),
        ({**body("你好"), "sender": "tg:12345"}, "web chat"),
        ({**body("你好"), "sender": "web:../../x"}, "web chat"),
        ({**body("你好"), "message_id": "a/b"}, "message_id"),
        (body(42), "must be text"),
        (body("专利" * 2001), "超过4000字"),
        (body("patent " * 600), "longer than 4000 characters and was not taken"),
        (body(" \u0000\u0007 "), "empty"),
        (body("/restart"), "buttons"),
        (body("/session_start"), "buttons"),
        (body('/request_human{"country": "<anything>"}'), "does not carry"),
        (body('/EXTERNAL_desk_message{"ticket": "SX-20260101-0001"}'), "buttons"),
        (body("你好", metadata="x"), "metadata"),
    ],
)
def test_the_channel_refuses_what_rest_refuses(request_body: object, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        read_message(request_body)


def test_a_button_payload_and_cleaned_text_go_through() -> None:
    assert read_message(body('/ask_item{"item": "policy:7"}'))[1] == '/ask_item{"item": "policy:7"}'
    sender, text, message_id, metadata = read_message(body("有哪些\u0000海外\ud800知识产权保险"))
    assert (sender, text, message_id, metadata) == (SENDER, "有哪些海外知识产权保险", "webchat-message-0001", {})


def title_of(item_id: str, language: str) -> str | None:
    return {"policy:7": "《实施意见》第（七）条"}.get(item_id)


def test_events_become_the_chats_messages() -> None:
    events = [
        {"event": "action", "timestamp": 1.0, "name": "action_session_start"},
        {"event": "user", "timestamp": 2.0, "text": "有哪些保险", "message_id": "webchat-a"},
        {"event": "user_utterance_reverted", "timestamp": 2.1},  # set aside while the action server was down
        {"event": "user", "timestamp": 3.0, "text": "有哪些保险", "message_id": "webchat-a"},  # run again later
        {
            "event": "bot",
            "timestamp": 4.0,
            "text": "依据第（七）条…",
            "data": {"buttons": [{"title": "更多", "payload": "/ask_item"}]},
        },
        {
            "event": "bot",
            "timestamp": 5.0,
            "text": None,
            "data": {"custom": {"kind": "answer", "sources": ["policy:7", "warning:3"]}},
        },
        {
            "event": "user",
            "timestamp": 6.0,
            "text": '/ask_item{"item": "policy:7"}',
            "message_id": "webchat-b",
            "metadata": {"webchat": {"label": "更多"}},
        },
        {
            "event": "user",
            "timestamp": 7.0,
            "text": "EXTERNAL: EXTERNAL_desk_message",
            "parse_data": {"intent": {"name": "EXTERNAL_desk_message"}},
        },
        {"event": "bot", "timestamp": 8.0, "text": "专家答复：请在20天内答辩。", "data": {}},
    ]
    shown = messages(events, title_of, "zh")
    assert [(m["from"], m["text"]) for m in shown] == [
        ("user", "有哪些保险"),
        ("bot", "依据第（七）条…"),
        ("user", "更多"),
        ("bot", "专家答复：请在20天内答辩。"),
    ]
    assert shown[1]["buttons"] == [{"title": "更多", "payload": "/ask_item"}]
    assert shown[1]["sources"] == [{"id": "policy:7", "title": "《实施意见》第（七）条"}]
    assert [m["text"] for m in after(shown, cursor_of(shown[1]["id"]))] == ["更多", "专家答复：请在20天内答辩。"]
    assert after(shown, cursor_of("garbage")) == shown and cursor_of("nan") is None
