"""The "webchat" input channel inside the real Rasa server: only the web chat server (Rasa's token) gets in, REST's
refusals hold with nothing stored, a repeated message id is answered once, and REST cannot write into a "web:"
conversation."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.helpers.rest import customs, message, post


def webchat(stack, body: Any, *, token: str | None) -> httpx.Response:
    params = {"token": token} if token is not None else {}
    return httpx.post(f"{stack.rasa_url}/webhooks/webchat/webhook", params=params, json=body, timeout=60)


def events(stack, sender: str) -> list[dict[str, Any]]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker"
    return httpx.get(url, params={"token": stack.rasa_token}, timeout=30).json().get("events") or []


def new_sender() -> str:
    return "web:" + secrets.token_urlsafe(32)


def test_only_the_web_chat_server_gets_in_and_a_repeat_is_answered_once(stack) -> None:
    sender = new_sender()
    body = {"sender": sender, "message": "有哪些海外知识产权保险", "message_id": "browser-0001"}
    for token in (None, "wrong-token"):
        assert webchat(stack, body, token=token).status_code == 403
    assert [e for e in events(stack, sender) if e["event"] == "user"] == []

    first = webchat(stack, body, token=stack.rasa_token)
    assert first.status_code == 200 and customs(first.json())[-1]["kind"] == "answer"
    again = webchat(stack, body, token=stack.rasa_token)  # the browser, or the inbox, sending it again
    # The first turn's replies, read back from the conversation (where a text and its custom object are one event),
    # not a second turn.
    for part in ("text", "buttons", "custom"):
        assert [r[part] for r in again.json() if r.get(part)] == [r[part] for r in first.json() if r.get(part)]
    users = [e for e in events(stack, sender) if e["event"] == "user"]
    assert len(users) == 1 and users[0]["input_channel"] == "webchat"


def test_rests_refusals_hold_and_nothing_is_stored(stack) -> None:
    sender = new_sender()
    for text, reason, status in [
        ("/restart", "buttons", 400),
        ('/request_human{"country": "<anything>"}', "does not carry", 400),
        (" \u0000 ", "empty", 400),
        ("专利" * 2001, "超过4000字", 413),
    ]:
        body = {"sender": sender, "message": text, "message_id": secrets.token_hex(8)}
        answer = webchat(stack, body, token=stack.rasa_token)
        assert answer.status_code == status and reason in answer.json()["error"], (text[:20], answer.text)
    body = {"sender": "rest-user", "message": "你好", "message_id": "browser-0002"}
    assert webchat(stack, body, token=stack.rasa_token).status_code == 400  # only "web:" conversations here
    assert [e for e in events(stack, sender) if e["event"] == "user"] == []

    status, _, answer = post(stack, message(sender, "337调查一般要多久"))  # REST cannot write into it
    assert status == 400 and "web chat" in answer["error"]
    assert [e for e in events(stack, sender) if e["event"] == "user"] == []
