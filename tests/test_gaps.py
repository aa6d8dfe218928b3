"""The gap queue (issue 17, point 5): the turns the bot could not answer well are kept with contacts masked and no
sender, grouped by similar wording for staff, dismissed with an audit entry, and deleted after the retention period;
real REST turns fill it, and the console shows and dismisses the groups."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.desk.gaps import GapQueue, record_gap
from bot.desk.retention import purge
from bot.desk.schema import AuditEntry, KnowledgeGap
from tests.helpers.actors import Actor
from tests.helpers.rest import say

TRADEMARK_AT_HOME = [
    "国内商标注册需要多长时间",
    "在国内注册商标要多久",
    "国内注册商标多长时间能下来",
    "国内商标注册要多久？",
]


def gaps(desk) -> list[KnowledgeGap]:
    with desk.sessions() as session:
        return list(session.scalars(select(KnowledgeGap).order_by(KnowledgeGap.id)))


def test_a_turn_that_fell_short_is_kept_with_contacts_masked_and_nobody_named(desk) -> None:
    assert record_gap(
        desk,
        channel="rest",
        kind="refer",
        question="帮我查一下国内商标注册进度，我电话 138-1234-5678，邮箱 li@example.com",
        intent="out_of_scope",
        confidence=0.41234,
        item_id="referral:domestic-ip",
    )
    (gap,) = gaps(desk)
    assert "1234-5678" not in gap.question and "li@example.com" not in gap.question
    assert gap.question.startswith("帮我查一下国内商标注册进度") and gap.kind == "refer" and gap.status == "open"
    assert gap.channel == "rest" and gap.item_id == "referral:domestic-ip" and gap.confidence == pytest.approx(0.4123)
    assert not hasattr(gap, "sender_id")  # the queue is about what is missing, not who asked


def test_nothing_is_kept_for_an_empty_question_or_an_unknown_kind(desk) -> None:
    assert not record_gap(desk, channel="rest", kind="clarify", question="   ")
    assert not record_gap(desk, channel="rest", kind="shrug", question="国内商标注册要多久")
    assert gaps(desk) == []


def test_a_broken_database_costs_the_enterprise_nothing(desk, caplog) -> None:
    def unreachable():
        raise ConnectionError("the desk's database is down")

    assert not record_gap(unreachable, channel="telegram", kind="clarify", question="这个怎么办")
    assert "could not keep a clarify turn (channel telegram" in caplog.text


def test_paraphrases_are_one_group_and_the_most_asked_comes_first(desk, desk_clock) -> None:
    record_gap(desk, channel="rest", kind="weak_answer", question="美国337调查的律师费大概多少", item_id="faq:337-cost")
    for n, question in enumerate(TRADEMARK_AT_HOME):
        desk_clock.advance(timedelta(minutes=5))
        channel = "telegram" if n % 2 else "webchat"
        record_gap(desk, channel=channel, kind="refer", question=question, item_id="referral:domestic-ip")
    record_gap(desk, channel="rest", kind="clarify", question="明天太原天气怎么样")

    groups = GapQueue(desk.sessions, desk_clock).open_groups()
    assert [g.count for g in groups] == [4, 1, 1]
    top = groups[0]
    assert top.question == TRADEMARK_AT_HOME[-1]  # the newest wording stands for the group
    assert sorted(top.questions) == sorted(TRADEMARK_AT_HOME)
    assert top.item == "referral:domestic-ip" and dict(top.kinds) == {"refer": 4}
    assert dict(top.channels) == {"telegram": 2, "webchat": 2}
    assert {g.question for g in groups[1:]} == {"美国337调查的律师费大概多少", "明天太原天气怎么样"}
    assert [g.count for g in GapQueue(desk.sessions, desk_clock).open_groups(kind="clarify")] == [1]


def test_dismissing_a_group_takes_it_off_the_queue_once_and_is_audited(desk, desk_clock) -> None:
    for question in TRADEMARK_AT_HOME:
        record_gap(desk, channel="rest", kind="refer", question=question)
    queue = GapQueue(desk.sessions, desk_clock)
    (group,) = queue.open_groups()
    assert queue.dismiss(group.ids, Actor(), note="已补充转介条目") == 4
    assert queue.open_groups() == [] and queue.open_count() == 0
    assert queue.dismiss(group.ids, Actor()) == 0  # twice changes nothing, and leaves no second entry
    assert {(g.status, g.handled_by) for g in gaps(desk)} == {("dismissed", "wang")}
    with desk.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "knowledge_gap")).all()
    assert [(e.action, e.username, e.detail["count"], e.detail["note"]) for e in entries] == [
        ("dismiss", "wang", 4, "已补充转介条目")
    ]


def test_the_retention_purge_deletes_gaps_past_the_period(desk, desk_clock, desk_settings) -> None:
    record_gap(desk, channel="rest", kind="clarify", question="这个怎么弄")
    desk_clock.advance(timedelta(days=desk_settings.retention_days + 1))
    record_gap(desk, channel="rest", kind="clarify", question="那个怎么弄")
    report = purge(desk.sessions, desk_clock, desk_settings)
    assert report.knowledge_gaps == 1
    assert [g.question for g in gaps(desk)] == ["那个怎么弄"]


# --- Filled by real turns through the REST channel (the action server records them).


def test_real_turns_that_fall_short_fill_the_queue_and_answers_do_not(stack, stack_desk) -> None:
    refused = "教我怎么仿冒别人的专利产品还不被海关发现"
    referred = "国内商标注册要多久，我想在国家知识产权局申请"
    answered = "美国337调查是什么"
    for n, question in enumerate((refused, referred, answered)):
        kinds = [r["custom"]["kind"] for r in say(stack, f"gap-e2e-{n}", question) if "custom" in r]
        assert kinds, question
    kept = {g.question: g for g in gaps(stack_desk) if g.question in (refused, referred, answered)}
    assert kept[refused].kind == "refuse" and kept[refused].channel == "rest"
    assert kept[referred].kind == "refer" and (kept[referred].item_id or "").startswith("referral:")
    assert answered not in kept  # a confident answer is no gap


# --- The console's page.


@pytest.fixture()
def staff_client(console, console_user, browser_client):
    console_user("wang", "staff", name="王坐席")
    browser_client.sign_in("wang")
    return browser_client


def test_staff_see_the_groups_and_dismiss_one(console, staff_client) -> None:
    ctx = console.ctx
    for question in TRADEMARK_AT_HOME:
        record_gap(ctx.desk, channel="rest", kind="refer", question=question, item_id="referral:domestic-ip")
    record_gap(ctx.desk, channel="rest", kind="refuse", question="教我怎么仿冒别人的专利<script>alert(1)</script>")

    page = staff_client.get("/knowledge/gaps")
    assert page.status == 200
    assert "2 组，共 5 条" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
    assert "转介其他部门 4" in page.text and "referral:domestic-ip" in page.text
    ids = re.search(r'name="ids" value="([\d,]+)"', page.text)
    assert ids is not None and len(ids.group(1).split(",")) == 4  # the most asked group comes first

    done = staff_client.post("/knowledge/gaps/dismiss", {"ids": ids.group(1)})
    assert done.status == 200 and "已忽略 4 条未答问题" in done.text
    assert "1 组，共 1 条" in done.text

    refused = staff_client.get("/knowledge/gaps", kind="refuse")
    assert "1 组，共 1 条" in refused.text
    assert "无效的类型" in staff_client.get("/knowledge/gaps", kind="nonsense").text


def test_bad_ids_are_refused_and_experts_are_kept_out(console, console_user, staff_client, add_expert) -> None:
    record_gap(console.ctx.desk, channel="rest", kind="clarify", question="这个怎么弄")
    for bad in ("", "1,x", "9" * 12, ",".join(["1"] * 2001)):
        assert staff_client.post("/knowledge/gaps/dismiss", {"ids": bad}).status == 400
    assert GapQueue(console.ctx.sessions, console.ctx.clock).open_count() == 1  # nothing changed

    from tests.helpers.console import ConsoleClient

    console_user("liwei", "expert", expert_id=add_expert("李专家"))
    expert = ConsoleClient(console.url)
    expert.sign_in("liwei")
    assert expert.get("/knowledge/gaps").status == 403
    expert.get("/expert")
    assert expert.post("/knowledge/gaps/dismiss", {"ids": "1"}).status == 403
    assert GapQueue(console.ctx.sessions, console.ctx.clock).open_count() == 1
