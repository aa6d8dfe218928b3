"""The REST channel's front door on the real server: clear refusals for bad requests, nothing stored for them, and a
per-sender rate limit that keeps a flooding client from starving everyone else."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.helpers.rest import customs, message, post, say, tracker_events


def test_bad_requests_are_refused_with_the_reason_and_store_nothing(stack) -> None:
    say(stack, "rest-bad", "有哪些海外知识产权保险")
    before = tracker_events(stack, "rest-bad")
    refused = [
        (b'{"sender": "rest-bad", "message": ', 400, "JSON object"),
        (b'["rest-bad", "hello"]', 400, "JSON object"),
        (message(None, "337调查一般要多久"), 400, "sender"),
        (message("x" * 129, "337调查一般要多久"), 400, "sender"),
        (message("tg:12345", "337调查一般要多久"), 400, "Telegram"),
        (message("rest-bad", 42), 400, "message"),
        (json.dumps({"sender": "rest-bad", "message": "你好", "metadata": "x" * 70_000}).encode(), 413, "KiB"),
    ]
    for body, status, reason in refused:
        got, _, answer = post(stack, body)
        assert got == status and reason in answer["error"], (body[:60], got, answer)
    assert tracker_events(stack, "rest-bad") == before


def test_a_message_too_long_to_take_is_asked_back_in_the_conversation_and_not_stored(stack) -> None:
    say(stack, "rest-long", "有哪些海外知识产权保险")
    before = tracker_events(stack, "rest-long")
    for text, language, words in [("专利" * 2001, "zh", "超过4000字"), ("test " * 1500, "en", "longer than 4000")]:
        status, _, replies = post(stack, message("rest-long", text))
        assert status == 200 and customs(replies) == [
            {"kind": "clarify", "language": language, "sources": [], "suggestions": []}
        ], replies
        assert words in replies[0]["text"]
    assert tracker_events(stack, "rest-long") == before
    assert customs(say(stack, "rest-long", "337调查一般要多久"))[-1]["kind"] == "answer"  # the conversation goes on


def test_a_message_with_no_text_is_asked_for_the_question_and_not_stored(stack) -> None:
    say(stack, "rest-blank", "有哪些海外知识产权保险")
    before = tracker_events(stack, "rest-blank")
    for text in ["", "   ", "\t\t\t", " \u0000\u0007 \n"]:
        status, _, replies = post(stack, message("rest-blank", text))
        assert status == 200 and customs(replies) == [
            {"kind": "clarify", "language": "zh", "sources": [], "suggestions": []}
        ], (text, replies)
        assert "请直接输入您的问题" in replies[0]["text"]
    assert tracker_events(stack, "rest-blank") == before
    assert customs(say(stack, "rest-blank", "337调查一般要多久"))[-1]["kind"] == "answer"  # the conversation goes on


def test_control_characters_are_dropped_and_the_question_answered(stack) -> None:
    status, _, replies = post(stack, message("rest-control", "有哪些海外\u0000知识产权\u001b保险"))
    assert status == 200
    assert customs(replies)[-1]["kind"] == "answer"
    users = [e["text"] for e in tracker_events(stack, "rest-control") if e["event"] == "user"]
    assert users == ["有哪些海外知识产权保险"]


def test_a_flooding_sender_is_held_back_while_another_is_answered(stack) -> None:
    results: list[tuple[int, dict[str, str], Any]] = []
    lock = threading.Lock()

    def flood() -> None:
        outcome = post(stack, message("rest-flood", "337调查一般要多久"))
        with lock:
            results.append(outcome)

    flooders = [threading.Thread(target=flood) for _ in range(30)]
    for thread in flooders:
        thread.start()
    other = say(stack, "rest-calm", "有哪些海外知识产权保险")
    for thread in flooders:
        thread.join()

    assert customs(other)[-1]["kind"] == "answer"
    statuses = [status for status, _, _ in results]
    assert 1 <= statuses.count(200) <= 10, statuses
    limited = [(headers, answer) for status, headers, answer in results if status == 429]
    assert len(limited) == 30 - statuses.count(200)
    headers, answer = limited[0]
    wait = int(headers["Retry-After"])
    assert 1 <= wait <= 60 and answer["retry_after"] == wait and "too many messages" in answer["error"]
    answered = [e for e in tracker_events(stack, "rest-flood") if e["event"] == "user"]
    assert len(answered) == statuses.count(200)  # a refused message leaves no trace in the conversation

    time.sleep(wait)
    status, _, replies = post(stack, message("rest-flood", "337调查一般要多久"))
    assert status == 200 and customs(replies)[-1]["kind"] == "answer"
