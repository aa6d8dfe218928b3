"""有帮助 / 没帮助 under every answer (issue 17, point 6): one tap keeps the enterprise's verdict (one per enterprise
and item), 没帮助 asks for an optional comment and puts the question in the gap queue, and the dashboard shows per
item how often it answered, the verdicts and the helpful rate, the items to look at first on top."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.payloads import RefusedPayload, screen
from bot.desk.chatlog import sender_key
from bot.desk.feedback import add_comment, item_quality, record_feedback
from bot.desk.retention import purge
from bot.desk.schema import AnswerFeedback, ChatTurn, KnowledgeGap
from tests.helpers.rest import customs, say


def entities_of(payload: str) -> dict[str, str]:
    """The entities of a button payload `/intent{...}`."""
    return json.loads("{" + payload.split("{", 1)[1])


def verdicts(desk) -> list[AnswerFeedback]:
    with desk.sessions() as session:
        return list(session.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id)))


def test_every_answer_ends_with_the_two_buttons_and_the_channels_take_only_them() -> None:
    from tests.test_actions import run, tracker

    from actions.answer import ActionAnswer

    messages, _ = run(ActionAnswer(), tracker("有哪些海外知识产权保险", "ask_insurance"))
    helpful, unhelpful = messages[0]["buttons"][-2:]
    assert (helpful["title"], unhelpful["title"]) == ("👍 有帮助", "👎 没帮助")
    for button, verdict in ((helpful, "yes"), (unhelpful, "no")):
        assert screen(button["payload"]) == button["payload"]  # a button of the bot's own: taken
        assert entities_of(button["payload"])["helpful"] == verdict
    for typed in (
        '/answer_feedback{"helpful": "maybe", "item": "policy:7"}',
        '/answer_feedback{"helpful": "no", "item": "../x"}',
    ):
        with pytest.raises(RefusedPayload):
            screen(typed)


def test_one_verdict_per_enterprise_and_item_and_pressing_again_changes_it(desk) -> None:
    first = record_feedback(desk, channel="rest", sender_id="e1", item_id="policy:7", helpful=True)
    again = record_feedback(
        desk, channel="rest", sender_id="e1", item_id="policy:7", helpful=False, question="保险赔什么"
    )
    other = record_feedback(desk, channel="telegram", sender_id="tg:5", item_id="policy:7", helpful=True)
    assert first == again and other != first
    rows = verdicts(desk)
    assert [(v.item_id, v.helpful) for v in rows] == [("policy:7", False), ("policy:7", True)]
    assert rows[0].sender_key == sender_key("rest", "e1") != "e1"  # the chat figures' keyed hash, nobody's id
    with desk.sessions() as session:
        (gap,) = session.scalars(select(KnowledgeGap)).all()
    assert (gap.kind, gap.question, gap.item_id) == ("unhelpful", "保险赔什么", "policy:7")


def test_a_comment_is_kept_masked_on_the_enterprises_own_verdict_only(desk) -> None:
    verdict = record_feedback(desk, channel="rest", sender_id="e1", item_id="faq:337-cost", helpful=False)
    assert verdict is not None
    assert not add_comment(desk, verdict, "someone-else", "rest", "我来改别人的评价")
    assert add_comment(desk, verdict, "e1", "rest", "没说律师费大概多少，请回电 13812345678")
    (row,) = verdicts(desk)
    assert row.comment is not None and row.comment.startswith("没说律师费大概多少") and "13812345678" not in row.comment
    record_feedback(desk, channel="rest", sender_id="e1", item_id="faq:337-cost", helpful=True)
    assert verdicts(desk)[0].comment is None  # a comment said why it did not help


def test_the_items_to_look_at_first_come_first(desk, desk_clock) -> None:
    now = desk_clock.now()
    with desk.sessions.begin() as session:
        for item, count in (("policy:7", 5), ("faq:337-cost", 2)):
            for n in range(count):
                session.add(
                    ChatTurn(
                        at=now, channel="rest", sender_key=f"k{item}{n}", kind="answer", sources=[item, "policy:5"]
                    )
                )
    for n in range(3):
        record_feedback(desk, channel="rest", sender_id=f"s{n}", item_id="faq:337-cost", helpful=False)
    record_feedback(desk, channel="rest", sender_id="s9", item_id="policy:7", helpful=True)
    rows = item_quality(desk.sessions, now - timedelta(days=1), now + timedelta(days=1))
    assert [(q.item_id, q.answered, q.helpful, q.unhelpful, q.worth_a_look) for q in rows] == [
        ("faq:337-cost", 2, 0, 3, True),
        ("policy:7", 5, 1, 0, False),
    ]
    assert rows[0].rate == 0.0 and rows[1].rate == 1.0


def test_comments_leave_with_the_retention_period_and_the_verdicts_stay(desk, desk_clock, desk_settings) -> None:
    verdict = record_feedback(desk, channel="rest", sender_id="e1", item_id="policy:7", helpful=False)
    assert verdict is not None and add_comment(desk, verdict, "e1", "rest", "太笼统")
    desk_clock.advance(timedelta(days=desk_settings.retention_days + 1))
    assert purge(desk.sessions, desk_clock, desk_settings).feedback_comments == 1
    (row,) = verdicts(desk)
    assert row.comment is None and row.helpful is False


# --- Through the REST channel, against the real stack.


def test_an_enterprise_says_an_answer_did_not_help_and_why(stack, stack_desk) -> None:
    sender, question = "feedback-e2e", "海外知识产权保险能报销律师费吗"
    answer = say(stack, sender, question)
    buttons = [b for message in answer for b in message.get("buttons") or []]
    unhelpful = next(b for b in buttons if b["title"] == "👎 没帮助")
    item = entities_of(unhelpful["payload"])["item"]
    assert item in customs(answer)[-1]["sources"]

    sorry = say(stack, sender, unhelpful["payload"])
    assert "没帮上忙" in " ".join(m.get("text") or "" for m in sorry)
    assert customs(sorry)[-1] == {**customs(sorry)[-1], "kind": "form", "ask": "feedback"}  # an optional comment
    thanks = say(stack, sender, "没说清楚展会期间买的保险怎么用")
    assert customs(thanks)[0]["kind"] == "goodbye"  # thanked; the question in it is answered after (below)

    mine = [v for v in verdicts(stack_desk) if v.item_id == item and v.comment == "没说清楚展会期间买的保险怎么用"]
    assert len(mine) == 1 and mine[0].helpful is False and mine[0].channel == "rest"
    with stack_desk.sessions() as session:
        gaps = session.scalars(select(KnowledgeGap).where(KnowledgeGap.question == question)).all()
    assert [(g.kind, g.item_id) for g in gaps] == [("unhelpful", item)]

    helpful = next(b for b in buttons if b["title"] == "👍 有帮助")
    assert "谢谢" in say(stack, "feedback-e2e-2", helpful["payload"])[0]["text"]


def test_a_question_typed_where_a_comment_was_asked_for_is_kept_and_answered(stack, stack_desk) -> None:
    sender = "feedback-question"
    answer = say(stack, sender, "海外知识产权保险能报销律师费吗")
    unhelpful = next(b for m in answer for b in m.get("buttons") or [] if b["title"] == "👎 没帮助")
    say(stack, sender, unhelpful["payload"])

    reply = say(stack, sender, "美国337调查一般要多长时间？")
    kinds = [custom["kind"] for custom in customs(reply)]
    assert kinds[0] == "goodbye" and kinds[-1] == "answer", kinds
    assert any(source.startswith("faq:337") for source in customs(reply)[-1]["sources"])
    assert [v.helpful for v in verdicts(stack_desk) if v.comment == "美国337调查一般要多长时间？"] == [False]
    # The form is over: the next message is a question of its own, not a second comment.
    assert customs(say(stack, sender, "那欧盟海关扣货呢"))[-1]["kind"] != "goodbye"


def test_the_dashboard_shows_each_items_verdicts(console, console_user, browser_client) -> None:
    ctx = console.ctx
    for n in range(3):
        record_feedback(ctx.desk, channel="webchat", sender_id=f"web:{n}", item_id="faq:337-cost", helpful=False)
    record_feedback(ctx.desk, channel="rest", sender_id="r1", item_id="policy:7", helpful=True)
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    today = ctx.clock.now().date()
    page = browser_client.get("/dashboard", **{"from": f"{today - timedelta(days=7)}", "to": f"{today}"})
    assert page.status == 200
    table = page.text[page.text.index('id="answer-quality"') :]
    assert table.index('data-item="faq:337-cost"') < table.index('data-item="policy:7"')
    first = table[table.index('data-item="faq:337-cost"') :]
    assert "优先查看" in first[: first.index("</tr>")] and "0%" in first[: first.index("</tr>")]
