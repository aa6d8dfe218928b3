"""The whole path as a user meets it: the REST channel → Rasa → action server → knowledge base → tracker store."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from tests.helpers.rest import customs, say


def turn(replies: list[dict[str, Any]]) -> dict[str, Any]:
    found = customs(replies)
    assert len(found) == 1, replies
    return found[0]


def test_insurance_question_is_answered_with_measure_7(stack) -> None:
    replies = say(stack, "e2e-insurance", "有哪些海外知识产权保险")
    assert turn(replies)["kind"] == "answer"
    assert "policy:7" in turn(replies)["sources"]
    text = next(r["text"] for r in replies if "text" in r)
    assert "第（七）条" in text


def test_weather_is_out_of_scope(stack) -> None:
    replies = say(stack, "e2e-weather", "明天太原天气怎么样")
    assert turn(replies)["kind"] == "out_of_scope"


def test_english_conversation_with_a_button_press(stack) -> None:
    replies = say(stack, "e2e-english", "Is there any insurance that covers our legal costs at trade fairs abroad?")
    assert turn(replies)["kind"] == "answer" and turn(replies)["language"] == "en"
    buttons = next(r["buttons"] for r in replies if r.get("buttons"))
    related = next((b for b in buttons if b["payload"].startswith("/ask_item")), None)
    if related is None:
        pytest.skip("this answer had no related items to press")
    pressed = say(stack, "e2e-english", related["payload"])
    assert turn(pressed)["kind"] == "answer" and turn(pressed)["language"] == "en"
    assert turn(pressed)["sources"][0] in related["payload"]
    answer = next(r["text"] for r in pressed if "text" in r).split("Source")[0]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in answer), answer


@pytest.mark.parametrize(
    ("message", "kind"),
    [("你好", "greeting"), ("你能做什么", "help"), ("谢谢", "goodbye"), ("再见", "goodbye")],
)
def test_small_talk_follows_the_contract(stack, message: str, kind: str) -> None:
    assert turn(say(stack, f"e2e-{kind}-{message.encode().hex()}", message))["kind"] == kind  # ids need no %-encoding


def test_the_conversation_is_stored_in_the_tracker_store(stack) -> None:
    say(stack, "e2e-stored", "智南针网是什么")
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        events = [
            json.loads(row[0])
            for row in db.execute("select data from events where sender_id = ? order by id", ("e2e-stored",))
        ]
    assert any(e["event"] == "user" and e["text"] == "智南针网是什么" for e in events)
    assert any(e["event"] == "bot" and "policy:8" in json.dumps(e, ensure_ascii=False) for e in events)


def test_a_practical_question_is_answered_from_the_faq_with_its_sources(stack) -> None:
    replies = say(stack, "e2e-faq", "被ITC发起337调查的话，一般要多长时间才结束")
    answer = turn(replies)
    assert answer["kind"] == "answer" and answer["sources"][0].startswith("faq:337"), answer
    text = next(r["text"] for r in replies if "text" in r)
    assert "来源：" in text and "19 U.S.C." in text
    assert "相关政策：《实施意见》（晋知产发〔2022〕23号）" in text
    buttons = next(r["buttons"] for r in replies if r.get("buttons"))
    more = [b for b in buttons if '"detail"' in b["payload"]]
    assert more, buttons
    detail = say(stack, "e2e-faq", more[0]["payload"])
    assert turn(detail)["sources"][0] == answer["sources"][0]
    assert next(r["text"] for r in detail if "text" in r) != text


def test_an_english_practical_question_gets_the_english_faq(stack) -> None:
    replies = say(
        stack,
        "e2e-faq-en",
        "How does EU customs detention of goods suspected of infringing a design work, and how long do we have to respond?",
    )
    answer = turn(replies)
    assert answer["kind"] == "answer" and answer["language"] == "en"
    assert any(source.startswith("faq:customs") or source.startswith("case:") for source in answer["sources"]), answer
    text = next(r["text"] for r in replies if "text" in r)
    assert "Sources:" in text and not any("\u4e00" <= ch <= "\u9fff" for ch in text.split("Sources:")[0])


def test_a_long_conversation_goes_on_in_new_sessions_where_it_was(stack) -> None:
    from tests.helpers.rest import tracker_events

    sender = "e2e-long"
    question = "What IP insurance is there for exporters?"
    first = say(stack, sender, question)
    for _ in range(20):  # the test stack ends a session after 40 events, about eight turns
        assert turn(say(stack, sender, question))["kind"] == "answer"
    related = next(
        b for b in next(r["buttons"] for r in first if r.get("buttons")) if b["payload"].startswith("/ask_item")
    )
    pressed = say(stack, sender, related["payload"])
    assert turn(pressed)["kind"] == "answer" and turn(pressed)["language"] == "en"  # the language slot came along

    events = tracker_events(stack, sender)
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    assert len(starts) >= 3
    for begin, end in zip(starts, starts[1:] + [len(events)]):
        session = events[begin:end]
        assert len(session) <= 40 + 10, len(session)  # one turn may finish past the limit
        slots = [e["name"] for e in session if e["event"] == "slot"]
        assert len(slots) <= 2 * len(set(slots)) + 2, slots  # carried over once, not piling up session after session
