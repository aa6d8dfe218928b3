"""The console's warnings and trade-fair pages on a real server and database (SQLite and PostgreSQL): staff publish a
warning through the form (refused with every reason, or pushed to the matching subscribers), correct and withdraw it,
and watch its delivery counts; they see the fairs ahead with the enterprises registered and set the on-site contact.
Every change is in the audit trail; experts are kept out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.desk.exhibitions import Exhibitions
from bot.desk.schema import AuditEntry, OutboxMessage, RiskWarning
from bot.desk.outbox import OutboxWorker, RecipientBlocked
from bot.desk.risk_warnings import Criteria, mark_blocked

FORM = {
    "title": "德国展会外观设计临时禁令风险提示",
    "text": "近期德国多个展会出现外观设计临时禁令。",
    "source": "省商务厅 预警快报 2026年第9期",
    "countries": ["德国"],
    "ip_types": ["外观设计"],
    "products": "电动滑板车",
}


@pytest.fixture()
def staff(console, console_user, browser_client):
    console_user("wang", "staff", name="王坐席")
    browser_client.sign_in("wang")
    return browser_client


def audit(console, object_type: str) -> list[tuple[str, str, dict]]:
    with console.ctx.sessions() as session:
        return [
            (e.action, e.username, e.detail)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
            )
        ]


def counts(page_text: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'id="count-(\w+)">(\d+)<', page_text)}


def test_a_bad_warning_form_says_every_reason_and_keeps_what_was_typed(console, staff) -> None:
    staff.get("/warnings/new")
    page = staff.post(
        "/warnings",
        {**FORM, "source": "", "countries": ["德国", "火星"], "valid_until": "2026-02-30", "title_en": "only a title"},
    )
    assert page.status == 422
    assert "请填写来源" in page.text and "火星" in page.text and "格式应为" in page.text and "要么都填" in page.text
    assert 'value="德国展会外观设计临时禁令风险提示"' in page.text and "<option selected>德国</option>" in page.text
    with console.ctx.sessions() as session:
        assert session.scalars(select(RiskWarning)).all() == []


def test_publishing_pushes_the_matching_subscribers_and_the_counts_follow_delivery(console, staff, desk_clock) -> None:
    warnings = console.ctx.warnings
    warnings.subscribe("telegram", "tg:1", Criteria(("欧盟",)), "zh")
    warnings.subscribe("telegram", "tg:2", Criteria(ip_types=("专利",)), "zh")
    warnings.subscribe("rest", "web-3", Criteria(("美国",)), "zh")
    staff.get("/warnings/new")
    page = staff.post("/warnings", FORM)
    assert page.status == 200 and "已排队推送给 2 位订阅者" in page.text
    number = int(re.search(r"warning:(\d+)", page.url + page.text).group(1))  # type: ignore[union-attr]
    assert counts(page.text) == {"queued": 2, "sent": 0, "failed": 0, "blocked": 0}

    class Telegram:
        def send(self, message: OutboxMessage) -> None:
            if message.recipient == "tg:2":
                raise RecipientBlocked("Forbidden: bot was blocked by the user")

    OutboxWorker(
        console.ctx.sessions,
        {"telegram": Telegram()},
        desk_clock,
        "w",
        settings=console.ctx.desk_settings,
        on_blocked=mark_blocked,
    ).run_once()
    page = staff.get(f"/warnings/{number}")
    assert counts(page.text) == {"queued": 0, "sent": 1, "failed": 0, "blocked": 1}
    listed = staff.get("/warnings")
    row = re.search(rf'<tr id="warning-{number}">.*?</tr>', listed.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'class="count-sent">1<' in row and 'class="count-blocked">1<' in row

    # corrected to also concern the US: the US subscriber gets it, nobody gets it twice
    staff.get(f"/warnings/{number}/edit")
    page = staff.post(f"/warnings/{number}", {**FORM, "countries": ["德国", "美国"]})
    assert "新匹配的 1 位订阅者已排队推送" in page.text
    assert counts(page.text) == {"queued": 1, "sent": 1, "failed": 0, "blocked": 1}

    page = staff.post(f"/warnings/{number}/expire")
    assert "已失效" in page.text and 'id="edit-warning"' not in page.text
    assert f"warning:{number}" not in staff.get("/warnings").text  # the list shows current warnings by default
    assert f"warning:{number}" in staff.get("/warnings", state="expired").text
    assert warnings.current() == []
    assert [(action, who) for action, who, _ in audit(console, "warning")] == [
        ("publish", "wang"),
        ("change", "wang"),
        ("expire", "wang"),
    ]
    assert audit(console, "warning")[1][2]["fields"] == ["countries"]


def test_a_sample_warning_is_marked_and_not_pushed(console, staff) -> None:
    console.ctx.warnings.subscribe("rest", "web-1", Criteria(everything=True), "zh")
    staff.get("/warnings/new")
    page = staff.post("/warnings", {**FORM, "illustrative": "1"})
    assert "已排队推送给 0 位订阅者（示例预警不推送）" in page.text and "示例" in page.text


def test_staff_see_upcoming_fairs_with_their_enterprises_and_set_the_onsite_contact(console, staff, desk_clock) -> None:
    ctx = console.ctx
    exhibitions = Exhibitions(ctx.sessions, desk_clock, ctx.desk_settings, ctx.desk)
    start = desk_clock.now().date() + timedelta(days=20)
    registrations = [
        exhibitions.register(
            channel="telegram",
            sender_id=f"tg:{n}",
            language="zh",
            company=company,
            contact=f"1380000000{n}",
            fair_name="汉诺威工业博览会",
            place="汉诺威",
            country="德国",
            starts_on=start,
            ends_on=start + timedelta(days=4),
            products="数控机床",
            rights_held="欧盟商标",
            new_products=n == 1,
        )
        for n, company in ((1, "太原示例机床有限公司"), (2, "晋中示例轴承有限公司"))
    ]
    exhibitions.request_training(registrations[0].id, "tg:1")
    page = staff.get("/exhibitions")
    assert page.status == 200
    assert (
        "汉诺威工业博览会" in page.text and "太原示例机床有限公司" in page.text and "晋中示例轴承有限公司" in page.text
    )
    assert "2 家企业" in page.text and "培训" in page.text and "13800000001" in page.text

    page = staff.post(
        "/exhibitions/contact",
        {
            "registration": [str(r.id) for r in registrations],
            "onsite_contact": "省贸促会驻会服务点 王老师 +49 511 0000000",
        },
    )
    assert "已为 2 家参展企业设置驻会联系人" in page.text and "省贸促会驻会服务点 王老师" in page.text
    assert (exhibitions.onsite_contact(exhibitions.of_sender(registrations[1].id, "tg:2")) or "").startswith("省贸促会")
    assert audit(console, "exhibition")[0][0:2] == ("change", "wang")
    assert "没有已结束的展会登记" in staff.get("/exhibitions", when="past").text


def test_experts_are_kept_out_of_warnings_and_fairs(console, console_user, browser_client, add_expert) -> None:
    console_user("liwei", "expert", expert_id=add_expert("李专家"))
    browser_client.sign_in("liwei")
    for path in ("/warnings", "/warnings/new", "/exhibitions"):
        assert browser_client.get(path).status == 403
    browser_client.get("/expert")
    assert browser_client.post("/warnings", FORM).status == 403
    with console.ctx.sessions() as session:
        assert session.scalars(select(RiskWarning)).all() == []
