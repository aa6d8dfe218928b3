"""Administration pages on a real server and database (SQLite and PostgreSQL): accounts opened, reset and deactivated
from the page, admin-only access, the audit trail with its filters and CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bot.desk.schema import AuditEntry, ConsoleUser
from tests.helpers.console import PASSWORD, ConsoleClient

NEW_PASSWORD = "Blue-Lantern-2026"


@pytest.fixture()
def admin(console, console_user, browser_client) -> ConsoleClient:
    """A browser signed in as an administrator."""
    console_user("root", "admin", name="系统管理员")
    assert browser_client.sign_in("root").status == 200
    return browser_client


def user_id(console, username: str) -> int:
    with console.ctx.sessions() as session:
        return session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == username))


def row_of(page_text: str, username: str) -> str:
    match = re.search(rf'<tr id="user-{re.escape(username)}".*?</tr>', page_text, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


def test_an_admin_opens_staff_and_expert_accounts_that_can_then_sign_in(console, admin, add_expert):
    expert_id = add_expert("孙律师", organisation="太原知识产权律所")
    page = admin.get("/admin/users")
    assert page.status == 200 and "孙律师（太原知识产权律所）" in page.text
    page = admin.post(
        "/admin/users", {"username": "li.na", "display_name": "李娜", "role": "staff", "password": NEW_PASSWORD}
    )
    assert page.status == 200 and "已新建账号 li.na（热线坐席）" in page.text
    page = admin.post(
        "/admin/users",
        {
            "username": "sun",
            "display_name": "孙律师",
            "role": "expert",
            "expert_id": str(expert_id),
            "password": NEW_PASSWORD,
        },
    )
    assert "已新建账号 sun（专家顾问）" in page.text
    row = row_of(page.text, "sun")
    assert "孙律师" in row and "专家顾问" in row and "启用" in row
    assert "孙律师（太原知识产权律所）" not in page.text  # an expert with an account is no longer offered

    staff = ConsoleClient(console.url)
    assert "来电登记" in staff.sign_in("li.na", NEW_PASSWORD).text
    expert = ConsoleClient(console.url)
    landed = expert.sign_in("sun", NEW_PASSWORD)
    assert landed.url.endswith("/expert")
    listed = admin.get("/admin/users")
    assert "—" not in row_of(listed.text, "li.na").split("</td>")[5]  # the last sign-in is shown
    with console.ctx.sessions() as session:
        created = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "create", AuditEntry.object_type == "user")
        ).all()
    assert {e.detail["username"] for e in created if e.username == "root"} == {"li.na", "sun"}


def test_a_refused_account_says_why_keeps_the_typing_and_never_echoes_the_password(console, admin, console_user):
    console_user("wang", "staff")
    admin.get("/admin/users")
    weak = admin.post(
        "/admin/users", {"username": "zhao", "display_name": "赵敏", "role": "staff", "password": "short1"}
    )
    assert weak.status == 422 and "密码至少 10 个字符" in weak.text
    assert 'value="zhao"' in weak.text and 'value="赵敏"' in weak.text
    assert "short1" not in weak.text
    taken = admin.post(
        "/admin/users", {"username": "wang", "display_name": "王二", "role": "staff", "password": NEW_PASSWORD}
    )
    assert taken.status == 422 and "用户名 wang 已被使用" in taken.text
    assert NEW_PASSWORD not in taken.text
    no_expert = admin.post(
        "/admin/users", {"username": "qian", "display_name": "钱专家", "role": "expert", "password": NEW_PASSWORD}
    )
    assert no_expert.status == 422 and "须关联专家库中的一位专家" in no_expert.text
    with console.ctx.sessions() as session:
        names = set(session.scalars(select(ConsoleUser.username)))
    assert names == {"root", "wang"}


def test_resetting_a_password_ends_the_users_sessions(console, admin, console_user):
    console_user("wang", "staff")
    wang = ConsoleClient(console.url)
    wang.sign_in("wang")
    assert wang.get("/calls").status == 200
    admin.get("/admin/users")
    weak = admin.post(f"/admin/users/{user_id(console, 'wang')}/password", {"password": "aaaaaaaaaaaa"})
    assert weak.status == 422 and "过于简单" in row_of(weak.text, "wang")
    page = admin.post(f"/admin/users/{user_id(console, 'wang')}/password", {"password": NEW_PASSWORD})
    assert "已重设 wang 的密码" in page.text and NEW_PASSWORD not in page.text
    assert "登录热线工作台" in wang.get("/calls").text  # signed out
    assert wang.sign_in("wang", PASSWORD).status == 401
    assert wang.sign_in("wang", NEW_PASSWORD).status == 200


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in_until_reactivated(console, admin, console_user):
    console_user("wang", "staff")
    wang = ConsoleClient(console.url)
    wang.sign_in("wang")
    admin.get("/admin/users")
    page = admin.post(f"/admin/users/{user_id(console, 'wang')}/active", {"active": "0"})
    assert "已停用账号 wang" in page.text and "已停用" in row_of(page.text, "wang")
    assert "登录热线工作台" in wang.get("/calls").text
    assert wang.sign_in("wang").status == 401
    admin.post(f"/admin/users/{user_id(console, 'wang')}/active", {"active": "1"})
    assert wang.sign_in("wang").status == 200


def test_an_admin_cannot_deactivate_themself(console, admin):
    page = admin.get("/admin/users")
    assert "（本人）" in row_of(page.text, "root")
    refused = admin.post(f"/admin/users/{user_id(console, 'root')}/active", {"active": "0"})
    assert refused.status == 409 and "不能停用自己的账号" in refused.text
    assert admin.get("/admin/users").status == 200  # still signed in


def test_staff_and_experts_get_403_on_every_admin_page(console, console_user, add_expert):
    console_user("wang", "staff")
    console_user("qian", "expert", expert_id=add_expert("钱专家"))
    target = console_user("zhou", "staff")
    for username in ("wang", "qian"):
        client = ConsoleClient(console.url)
        client.sign_in(username)
        client.get("/")
        for path in ("/admin/users", "/admin/audit", "/admin/audit.csv"):
            page = client.get(path)
            assert page.status == 403 and "无权访问" in page.text, (username, path)
        for path, data in [
            ("/admin/users", {"username": "evil", "display_name": "x", "role": "admin", "password": NEW_PASSWORD}),
            (f"/admin/users/{target}/password", {"password": NEW_PASSWORD}),
            (f"/admin/users/{target}/active", {"active": "0"}),
        ]:
            assert client.post(path, data).status == 403, (username, path)
    with console.ctx.sessions() as session:
        assert session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == "evil")) is None
        assert session.get(ConsoleUser, target).active


def test_the_audit_trail_lists_sign_ins_views_changes_and_exports_and_filters_them(console, admin, console_user):
    console_user("wang", "staff")
    wang = ConsoleClient(console.url)
    wang.sign_in("wang")
    wang.log_call({"company": "晋中纺织有限公司", "phone": "13900000009", "question": "美国商标被抢注了怎么办"})
    wang.raw_get("/calls.csv")
    admin.get("/admin/users")
    admin.post(f"/admin/users/{user_id(console, 'wang')}/password", {"password": NEW_PASSWORD})

    page = admin.get("/admin/audit")
    actions = re.findall(r'data-action="([a-z_]+)"', page.text)
    for action in ("sign_in", "view", "create", "change", "export"):
        assert action in actions, action
    assert actions[0] == "change"  # newest first: the password reset was the last thing done
    assert "127.0.0.1" in page.text

    only_wang = admin.get("/admin/audit", user="wang")
    assert set(re.findall(r'data-action="([a-z_]+)"', only_wang.text)) == {"sign_in", "view", "create", "export"}
    assert "系统管理员" not in only_wang.text.split('id="audit-table"')[1]
    exports = admin.get("/admin/audit", action="export")
    assert set(re.findall(r'data-action="([a-z_]+)"', exports.text)) == {"export"}
    changed_wang = admin.get(
        "/admin/audit", action="change", object_type="user", object_id=str(user_id(console, "wang"))
    )
    assert re.findall(r'data-action="([a-z_]+)"', changed_wang.text) == ["change"]
    assert "&#34;password&#34;: &#34;reset&#34;" in changed_wang.text or '"password": "reset"' in changed_wang.text
    bad = admin.get("/admin/audit", action="delete_everything", date_from="yesterday")
    assert bad.status == 200 and "无效的操作类型" in bad.text and "日期“yesterday”无效" in bad.text


def test_the_audit_csv_holds_the_filtered_trail_and_is_itself_audited(console, admin, console_user):
    console_user("wang", "staff")
    ConsoleClient(console.url).sign_in("wang")
    response = admin.raw_get("/admin/audit.csv", action="sign_in")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号", "时间（北京时间）", "用户", "角色", "操作"]
    assert sorted(row[2] for row in rows[1:]) == ["root", "wang"]
    assert {row[4] for row in rows[1:]} == {"登录"} and {row[8] for row in rows[1:]} == {"127.0.0.1"}
    with console.ctx.sessions() as session:
        export = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert export.username == "root" and export.object_type == "audit"
    assert export.detail == {"filters": {"action": "sign_in"}, "rows": 2}
