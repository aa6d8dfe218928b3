"""The dashboard of the province's figures (policy measure 9) on a real server and database (SQLite and PostgreSQL):
calls, chat questions, escalations, SLA breaches, time to first answer and satisfaction per Beijing-time week, the
same figures as CSV, and who may see them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.desk import chatlog
from bot.desk.schema import AuditEntry, Call

BEIJING = ZoneInfo("Asia/Shanghai")
WEEKS = {"from": "2026-11-23", "to": "2026-12-06"}  # two Monday-to-Sunday weeks; the desk clock starts on the first


@pytest.fixture()
def staff(console, console_user, browser_client):
    console_user("wang", "staff", name="王坐席")
    browser_client.sign_in("wang")
    return browser_client


def add_call(console, at: datetime, *, intent: str, country: str | None = None, ip_type: str | None = None) -> None:
    with console.ctx.sessions.begin() as session:
        session.add(
            Call(
                received_at=at,
                company="晋城机械有限公司",
                question="我们的产品在展会上被指控侵权怎么办",
                intent=intent,
                entities={},
                country=country,
                ip_type=ip_type,
                suggested_sources=[],
                created_at=at,
                updated_at=at,
            )
        )


@pytest.fixture()
def figures(console, desk, desk_clock, add_expert, monkeypatch):
    """Two weeks of work: week one has 2 calls, 3 chat questions from 2 enterprises, a chat ticket answered in 3 hours
    and rated 4, and a hotline ticket whose expert missed the urgent SLA; week two has one call, made at 07:00 on its
    Monday in Beijing (still Sunday in UTC)."""
    monkeypatch.setenv(chatlog.KEY_ENV, "a-test-key-of-enough-length")
    expert = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    start = desk_clock.now()
    add_call(console, start, intent="ask_337", country="美国", ip_type="专利")
    add_call(console, start + timedelta(days=2), intent="ask_insurance")
    for sender, intent, country in (
        ("alice", "ask_337", "美国"),
        ("alice", "ask_fair_dispute", "德国"),
        ("bob", "ask_337", "美国"),
    ):
        assert chatlog.record_turn(
            desk,
            channel="rest",
            sender_id=sender,
            kind="answer",
            intent=intent,
            entities={"country": [country], "ip_type": ["专利"]},
        )
    chat = desk.open_ticket(
        channel="rest",
        sender_id="alice",
        company="太原电子有限公司",
        contact="13900000001",
        description="美国ITC 337调查应诉咨询",
        country="美国",
        ip_type="专利",
    )
    hotline = desk.open_ticket(
        channel="hotline",
        sender_id="call:1",
        company="大同机械有限公司",
        contact="13900000002",
        description="展会上被送达临时禁令",
        country="美国",
        ip_type="专利",
        priority="urgent",
    )
    assert chat.expert_id == expert
    desk.accept(chat.number, expert)
    desk_clock.advance(timedelta(hours=3))
    desk.answer(chat.number, expert, "建议尽快聘请美国律师，并准备应诉材料。")
    desk.rate(chat.number, "alice", 4)
    assert hotline.number in desk.check_sla()  # its urgent 2-hour SLA has passed unaccepted
    add_call(console, datetime(2026, 11, 30, 7, 0, tzinfo=BEIJING), intent="ask_customs_seizure", country="德国")
    return chat, hotline


def test_the_dashboard_shows_the_weeks_figures_in_beijing_weeks(console, figures, staff):
    page = staff.get("/dashboard", **WEEKS)
    assert page.status == 200
    text = page.text
    for element_id, value in (
        ("total-calls", "3"),
        ("total-chats", "3"),
        ("total-escalations", "2"),
        ("total-sla", "1"),
        ("total-median", "3.0 小时"),
        ("total-rating", "4.00"),
    ):
        assert f'id="{element_id}">{value}<' in text, element_id
    assert "来自 2 家企业" in text and "热线 1 · 在线 1" in text
    assert text.count("<svg") >= 4  # weekly contacts, escalations, and the category charts
    assert "337调查" in text and "美国" in text and "德国" in text  # topics by their labels, countries


def test_the_csv_holds_the_same_figures_week_by_week_and_is_audited(console, figures, staff):
    response = staff.raw_get("/dashboard.csv", **WEEKS)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["指标", "起", "止", "分类", "数值"]
    by = {(r[0], r[1], r[3]): r[4] for r in rows[1:]}
    assert by[("热线来电", "2026-11-23", "")] == "2"
    assert by[("热线来电", "2026-11-30", "")] == "1"  # 07:00 Monday in Beijing is the new week
    assert by[("热线来电", "2026-11-23", "全区间")] == "3"
    assert by[("在线咨询企业（去重）", "2026-11-23", "全区间")] == "2"
    assert by[("转专家工单（热线）", "2026-11-23", "")] == "1"
    assert by[("超时未受理", "2026-11-23", "")] == "1"
    assert by[("首次答复用时中位数（小时）", "2026-11-23", "")] == "3.0"
    assert by[("满意度评分分布", "2026-11-23", "4分（全区间）")] == "1"
    assert by[("国家/地区（合计）", "2026-11-23", "美国")] == "3"  # one call and two chat questions
    with console.ctx.sessions() as session:
        exported = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "dashboard")).all()
    assert [(e.action, e.username, e.detail["from"], e.detail["to"]) for e in exported] == [
        ("export", "wang", "2026-11-23", "2026-12-06")
    ]


@pytest.mark.parametrize(
    "query, problem",
    [
        ({"from": "2026-12-06", "to": "2026-11-23"}, "不能晚于"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "2026-02-30"),
        ({"from": "2020-01-01", "to": "2026-12-01"}, "最长"),
        ({"from": "<script>alert(1)</script>"}, "&lt;script&gt;"),
    ],
)
def test_a_bad_range_says_why_shows_the_default_and_exports_nothing(console, staff, query, problem):
    page = staff.get("/dashboard", **query)
    assert page.status == 200 and 'id="range-problem"' in page.text and problem in page.text
    assert "<script>alert(1)" not in page.text
    export = staff.raw_get("/dashboard.csv", **query)
    assert export.status_code == 400 and "未导出" in export.text


def test_experts_do_not_see_the_dashboard(console, console_user, browser_client, add_expert):
    console_user("zhao", "expert", expert_id=add_expert("赵律师"))
    browser_client.sign_in("zhao")
    assert browser_client.get("/dashboard").status == 403
    assert browser_client.raw_get("/dashboard.csv").status_code == 403
