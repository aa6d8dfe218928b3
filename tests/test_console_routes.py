"""The console's HTTP routes on a real server and database (SQLite and PostgreSQL): signing in, roles, CSRF,
throttling, logging a call, escalating it, lists, exports and the audit trail."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from bot.desk.schema import AuditEntry, Call, Ticket
from tests.helpers.console import ConsoleClient, only_call


def test_pages_need_a_session_and_sign_in_lands_on_the_page_asked_for(console, console_user, browser_client):
    console_user("wang", "staff")
    page = browser_client.get("/calls")
    assert "/login?next=" in page.url and page.url.endswith("calls")
    assert "登录热线工作台" in page.text
    page = browser_client.post("/login", {"username": "wang", "password": "correct-horse-battery", "next": "/calls"})
    assert page.status == 200 and page.url.endswith("/calls")
    assert "来电记录" in page.text


def test_a_wrong_password_is_refused_without_saying_whether_the_name_exists(console, console_user, browser_client):
    console_user("wang", "staff")
    wrong = browser_client.sign_in("wang", "not-the-password")
    unknown = browser_client.sign_in("nobody", "not-the-password")
    assert wrong.status == unknown.status == 401
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text


def test_repeated_failures_lock_the_name_out_even_with_the_right_password(console, console_user, browser_client):
    console_user("wang", "staff")
    for _ in range(5):
        assert browser_client.sign_in("wang", "guess-guess-guess").status == 401
    page = browser_client.sign_in("wang")
    assert page.status == 401 and "尝试次数过多" in page.text
    with console.ctx.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == "wang")).all()
    assert actions.count("sign_in_failed") == 5 and "sign_in_throttled" in actions


def test_a_post_without_the_session_csrf_token_changes_nothing(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    page = browser_client.post(
        "/calls", {"company": "太原精密机械有限公司", "question": "337调查怎么应诉？"}, csrf="forged"
    )
    assert page.status == 403 and "CSRF" in page.text
    foreign = browser_client.post(
        "/calls",
        {"company": "太原精密机械有限公司", "question": "337调查怎么应诉？"},
        headers={"Origin": "http://evil.example"},
    )
    assert foreign.status == 403
    with console.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_logging_a_call_stores_the_suggestion_with_its_sources(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    page = browser_client.log_call(
        {
            "company": "晋城光电科技有限公司",
            "caller_name": "李经理",
            "phone": "138-0351-0001",
            "channel": "phone",
            "question": "我们想了解海外知识产权保险有哪些险种",
            "notes": "准备参加明年的汉诺威展",
        }
    )
    assert page.status == 200 and "已保存" in page.text
    with console.ctx.sessions() as session:
        call = session.scalars(select(Call)).one()
    assert call.phone == "13803510001" and call.company == "晋城光电科技有限公司"
    # Rasa is not reachable in this test: the suggestion comes from the text search alone, and is stored with the
    # source it quotes (the NLU-backed suggestion is tested against the real stack in test_console_browser.py).
    best = console.ctx.knowledge.get().get(call.suggested_sources[0])
    assert call.intent is None and "保险" in call.answer and "来源" in call.answer
    assert (best.title.zh in call.answer) or best.kind == "policy"
    assert call.answer_given_at is None
    page = browser_client.post(
        f"/calls/{call.id}/answer", {"answer": call.answer + "\n（已口头说明投保流程）", "given": "1"}
    )
    assert "已告知" in page.text
    with console.ctx.sessions() as session:
        call = session.get(Call, call.id)
    assert call.answer.endswith("（已口头说明投保流程）") and call.answer_given_at is not None


def test_a_bad_form_says_what_is_wrong_and_keeps_what_was_typed(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    browser_client.get("/calls/new")
    long_question = "我们的产品在美国被诉侵权" * 900  # over 10 000 characters
    page = browser_client.post(
        "/calls",
        {
            "company": "<script>alert(1)</script>",
            "phone": "not a phone",
            "question": long_question,
            "follow_up_on": "2026-02-30",
        },
    )
    assert page.status == 422
    assert "联系方式" in page.text and "太长" in page.text and "回访日期" in page.text
    assert "<script>alert(1)</script>" not in page.text  # escaped, not executed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # and kept in the field
    with console.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_one_click_turns_a_call_into_a_linked_ticket_and_a_second_click_opens_no_other(
    console, console_user, browser_client, add_expert
):
    expert_id = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    page = browser_client.log_call(
        {
            "company": "大同重工股份有限公司",
            "phone": "0352-5551234",
            "caller_name": "周总",
            "question": "我们在美国被起诉专利侵权，收到了起诉书，20天内要答辩",
            "then": "escalate",
        }
    )
    assert "已转为工单 SX-" in page.text
    with console.ctx.sessions() as session:
        call = session.scalars(select(Call)).one()
        ticket = session.get(Ticket, call.ticket_id)
    assert ticket.channel == "hotline" and ticket.sender_id == f"call:{call.id}"
    assert ticket.company == "大同重工股份有限公司" and ticket.contact == "03525551234"
    assert ticket.expert_id == expert_id and ticket.status == "assigned"
    again = browser_client.post(f"/calls/{call.id}/escalate", {"priority": "urgent"})
    assert f"已转为工单 {ticket.number}" in again.text
    with console.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_escalating_a_call_without_a_contact_asks_for_one(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    browser_client.log_call({"company": "阳泉陶瓷有限公司", "question": "欧盟海关扣了我们的货怎么办"})
    call_id = only_call(console)
    page = browser_client.post(f"/calls/{call_id}/escalate", {"priority": "urgent"})
    assert "请先补充联系电话" in page.text
    with console.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_list_filters_and_the_export_masks_numbers_unless_asked(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    for company, phone, question in [
        ("忻州食品有限公司", "13900000001", "美国商标被抢注了怎么办"),
        ("运城果业有限公司", "13900000002", "欧盟地理标志怎么保护"),
    ]:
        browser_client.log_call({"company": company, "phone": phone, "question": question})
    listed = browser_client.get("/calls", q="忻州")
    assert "忻州食品有限公司" in listed.text and "运城果业有限公司" not in listed.text
    assert "139****0001" not in listed.text and "13900000001" in listed.text  # staff see whole numbers on screen
    export = browser_client.raw_get("/calls.csv", q="忻州")
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][5] == "139****0001"
    full = browser_client.raw_get("/calls.csv", q="忻州", full="1")
    assert list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))[1][5] == "13900000001"
    with console.ctx.sessions() as session:
        exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert [e.detail["full_numbers"] for e in exports] == [False, True]


def test_an_expert_cannot_open_staff_pages(console, console_user, browser_client, add_expert):
    expert_id = add_expert("钱专家")
    console_user("qian", "expert", expert_id=expert_id)
    browser_client.sign_in("qian")
    for path in ("/calls", "/calls/new", "/calls.csv"):
        page = browser_client.get(path)
        assert page.status == 403 and "无权访问" in page.text
    response = browser_client.api("/api/suggest", {"question": "337调查"})
    assert response.status_code == 403


def test_signing_out_ends_the_session(console, console_user, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    stolen_cookie = dict(browser_client.http.cookies)
    browser_client.get("/")
    browser_client.post("/logout")
    replay = ConsoleClient(console.url)
    replay.http.cookies.update(stolen_cookie)
    assert "登录热线工作台" in replay.get("/calls").text


def test_typing_a_company_shows_its_earlier_calls_and_tickets_and_only_its_own(
    console, console_user, browser_client, add_expert
):
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    browser_client.log_call(
        {
            "company": "临汾100%纺织有限公司",
            "phone": "13800000007",
            "caller_name": "钱经理",
            "question": "我们在美国被起诉专利侵权，收到了起诉书",
            "then": "escalate",
        }
    )
    browser_client.post("/calls", {"company": "临汾钢铁有限公司", "question": "欧盟海关扣押了我们的货"})
    found = browser_client.raw_get("/api/companies", q="100%纺织").json()
    assert [c["company"] for c in found["calls"]] == ["临汾100%纺织有限公司"]  # "%" is a character, not a wildcard
    assert found["calls"][0]["phone"] == "13800000007" and found["calls"][0]["caller_name"] == "钱经理"
    assert [t["company"] for t in found["tickets"]] == ["临汾100%纺织有限公司"]
    both = browser_client.raw_get("/api/companies", q="临汾").json()
    assert len(both["calls"]) == 2
    assert browser_client.raw_get("/api/companies", q="临").json() == {"calls": [], "tickets": []}  # too short to say


def test_a_follow_up_date_puts_the_call_in_the_inbox_when_due_until_done(
    console, console_user, browser_client, desk_clock
):
    from datetime import timedelta

    console_user("wang", "staff")
    browser_client.sign_in("wang")
    browser_client.log_call({"company": "晋中农机有限公司", "question": "想了解德国展会前要做哪些知识产权准备"})
    call_id = only_call(console)
    refused = browser_client.post(f"/calls/{call_id}/follow-up", {"follow_up_on": "2026-13-40"})
    assert "回访日期" in refused.text
    browser_client.post(f"/calls/{call_id}/follow-up", {"follow_up_on": "2026-11-25", "notes": "展前再确认一次"})
    assert f"/calls/{call_id}" not in browser_client.get("/inbox").text  # 2026-11-25 is two days ahead
    desk_clock.advance(timedelta(days=2))
    browser_client.sign_in("wang")  # the session idled out meanwhile
    assert f"/calls/{call_id}" in browser_client.get("/inbox").text
    browser_client.get(f"/calls/{call_id}")
    browser_client.post(f"/calls/{call_id}/follow-up", {"done": "1"})
    assert f"/calls/{call_id}" not in browser_client.get("/inbox").text
