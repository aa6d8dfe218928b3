"""The "telegram" input channel inside the real Rasa server: what the worker talks to."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.helpers.rest import customs


def post(stack, body: dict[str, Any], *, token: str | None) -> tuple[int, Any]:
    url = f"{stack.rasa_url}/webhooks/telegram/webhook" + (f"?token={token}" if token is not None else "")
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def user_events(stack, sender: str) -> list[dict[str, Any]]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        tracker = json.loads(response.read())
    assert tracker["latest_input_channel"] == "telegram"
    return [e for e in tracker["events"] if e["event"] == "user"]


def test_a_turn_is_recorded_as_telegrams_and_a_repeated_update_gets_the_first_replies_without_a_second_turn(
    stack,
) -> None:
    body = {
        "sender": "tg:7001",
        "message": "有哪些海外知识产权保险",
        "metadata": {"telegram": {"update_id": 31337, "chat_id": 7001}},
    }
    status, first = post(stack, body, token=stack.rasa_token)
    assert status == 200 and customs(first)[-1]["kind"] == "answer"
    status, again = post(stack, body, token=stack.rasa_token)
    assert status == 200
    assert [r.get("text") for r in again if r.get("text")] == [r.get("text") for r in first if r.get("text")]
    assert [r.get("buttons") for r in again if r.get("text")] == [r.get("buttons") for r in first if r.get("text")]
    assert customs(again) == customs(first)
    assert len(user_events(stack, "tg:7001")) == 1

    status, other = post(stack, {**body, "metadata": {"telegram": {"update_id": 31338}}}, token=stack.rasa_token)
    assert status == 200 and other
    assert len(user_events(stack, "tg:7001")) == 2  # a new update is a new turn, even with the same words


@pytest.mark.parametrize("token", [None, "wrong"])
def test_only_the_worker_may_write_into_telegram_conversations(stack, token) -> None:
    status, _ = post(stack, {"sender": "tg:7002", "message": "你好"}, token=token)
    assert status == 403


def test_a_sender_that_is_not_a_telegram_chat_is_refused(stack) -> None:
    status, answer = post(stack, {"sender": "someone", "message": "你好"}, token=stack.rasa_token)
    assert status == 400 and "tg:" in answer["error"]
