"""Issue 15, Medium 2, on a real server and database (SQLite and PostgreSQL): an expert never sees or is sent the
enterprise's phone number or e-mail — not in the facts, the description, the transcript or the `case_assigned`
notice — unless the enterprise agreed to be contacted directly by the expert who accepted its case; then that
expert alone sees it, and each such view is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.desk.schema import AuditEntry, OutboxMessage
from bot.desk.privacy import redact_contacts
from tests.helpers.console import ConsoleClient, open_ticket

PHONE, EMAIL, OTHER = "13900000011", "zhang.wei@taiyuan-jx.cn", "0351-7654321"
DESCRIPTION = f"我们在美国被起诉专利侵权，请专家打 {PHONE} 或发邮件 {EMAIL}，座机 {OTHER}；答辩期限 2026-12-20"
TRANSCRIPT = [
    ("user", "我们收到了美国法院的起诉书"),
    ("bot", "请留下联系方式"),
    ("user", f"139 0000 0011，{EMAIL}"),
    ("bot", "已为您转专家"),
]
CLEAR = (PHONE, "139 0000 0011", EMAIL, OTHER)


def in_clear(text: str) -> list[str]:
    return [value for value in CLEAR if value in text]


@pytest.fixture()
def case(console, desk, add_expert, console_user):
    zhao = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    qian = add_expert("钱律师", ip_types=["专利"], countries=["美国"])
    console_user("zhao", "expert", expert_id=zhao)
    console_user("qian", "expert", expert_id=qian)
    console_user("wang", "staff")
    number = open_ticket(desk, "太原精密机械有限公司", PHONE, description=DESCRIPTION, transcript=TRANSCRIPT)
    return {"number": number, "zhao": zhao, "qian": qian}


def expert_client(console, username: str) -> ConsoleClient:
    client = ConsoleClient(console.url)
    client.sign_in(username)
    return client


def test_the_expert_sees_no_contact_anywhere_on_the_case_page(console, case):
    zhao = expert_client(console, "zhao")
    page = zhao.get(f"/expert/tickets/{case['number']}")
    assert page.status == 200 and "美国法院的起诉书" in page.text and "2026-12-20" in page.text
    assert in_clear(page.text) == []
    assert "139****0011" in page.text and "z***@taiyuan-jx.cn" in page.text and "035****4321" in page.text
    staff = expert_client(console, "wang")  # staff call enterprises back: they see it all
    assert in_clear(staff.get(f"/tickets/{case['number']}").text) == list(CLEAR)


def test_the_case_assigned_notice_carries_no_contact(console, case):
    with console.ctx.sessions() as session:
        [notice] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_assigned")).all()
    assert notice.payload["expert_id"] == case["zhao"]
    assert in_clear(str(notice.payload)) == []
    assert "139****0011" in notice.payload["description"] and "2026-12-20" in notice.payload["description"]
    assert [line["text"] for line in notice.payload["transcript"]][2] == "139****0011，z***@taiyuan-jx.cn"


def test_once_the_enterprise_agrees_the_accepted_expert_alone_sees_the_contact_and_each_view_is_audited(console, case):
    number = case["number"]
    zhao, staff = expert_client(console, "zhao"), expert_client(console, "wang")
    staff.get(f"/tickets/{number}")
    assert "allow-contact-form" not in staff.get(f"/tickets/{number}").text  # nobody has accepted yet
    refused = staff.post(f"/tickets/{number}/allow-contact", {"expert_id": str(case["zhao"]), "reason": "来电同意"})
    assert "未能记录企业同意" in refused.text
    zhao.get(f"/expert/tickets/{number}")
    zhao.post(f"/expert/tickets/{number}/accept")
    assert in_clear(zhao.get(f"/expert/tickets/{number}").text) == []  # accepted, but no agreement yet

    staff.get(f"/tickets/{number}")
    agreed = staff.post(
        f"/tickets/{number}/allow-contact", {"expert_id": str(case["zhao"]), "reason": "企业来电同意专家直接致电"}
    )
    assert "已记录" in agreed.text
    page = zhao.get(f"/expert/tickets/{number}")
    assert in_clear(page.text) == list(CLEAR) and "企业同意您直接联系" in page.text
    zhao.get(f"/expert/tickets/{number}")
    with console.ctx.sessions() as session:
        views = session.scalars(
            select(AuditEntry.username).where(AuditEntry.action == "view_contact", AuditEntry.object_id == number)
        ).all()
        agreement = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "allow_contact")).all()
    assert views == ["zhao", "zhao"] and agreement == [
        {"reason": "企业来电同意专家直接致电", "expert_id": case["zhao"]}
    ]

    # Passed to another expert, the case is masked again for the new one, and the old one no longer sees it.
    zhao.post(f"/expert/tickets/{number}/decline", {"reason": "存在利益冲突"})
    qian = expert_client(console, "qian")
    page = qian.get(f"/expert/tickets/{number}")
    assert page.status == 200 and in_clear(page.text) == []
    qian.post(f"/expert/tickets/{number}/accept")
    assert in_clear(qian.get(f"/expert/tickets/{number}").text) == []  # the agreement was for 赵律师, not for 钱律师
    assert zhao.get(f"/expert/tickets/{number}").status == 404


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话 13812345678。", "电话 138****5678。"),
        ("+86 138 1234 5678", "+861****5678"),
        ("mail: Li.Na@Example.com!", "mail: L***@Example.com!"),
        ("座机（0351）7654321", "座机035****4321"),
        ("+1 (415) 555-0100", "+141****0100"),
        # what an expert needs stays: dates, docket, patent and ticket numbers, amounts
        (
            "答辩期 2026-12-20，案号 1:23-cv-01234，专利 ZL201510123456.7 / US 10,123,456，工单 SX-20261123-0001，赔偿 3000000 美元",
            None,
        ),
    ],
)
def test_contacts_in_free_text_are_masked_and_nothing_else(text, masked):
    assert redact_contacts(text) == (text if masked is None else masked)
