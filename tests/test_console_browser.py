"""The console end to end in headless Chromium, against the services `make run` starts (the real Rasa server for
the suggestion, the desk database, the desk worker): staff log a call and see the suggestion, escalate it, the
expert answers it, staff relay the answer; and what a wrong role, a script in a field or a forged request gets."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.console.accounts import Accounts
from bot.console.config import ConsoleSettings
from bot.desk.db import make_engine, sessions
from bot.desk.schema import Call, Expert, Ticket
from tests.helpers.browser import Browser, missing_browser
from tests.helpers.console import expert_account

PASSWORD = "browser-test-password-1"


@pytest.fixture(scope="module")
def console_site(stack):
    """The stack's console, with an admin made by the admin command and a staff account."""
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    env = stack.environment()
    admin = subprocess.run(
        [sys.executable, "-m", "bot.console", "create-admin", "admin", "--name", "系统管理员", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert admin.returncode == 0, admin.stderr
    assert "administrator admin created" in admin.stdout
    engine = make_engine(env["IPDESK_DATABASE_URL"])
    maker = sessions(engine)
    accounts = Accounts(maker, SystemClock(), ConsoleSettings())
    accounts.create_user("staff1", "坐席小刘", "staff", PASSWORD, actor_name="test")
    yield stack, maker, accounts
    engine.dispose()


@pytest.fixture()
def browsers(console_site):
    stack = console_site[0]
    opened: list[Browser] = []

    def open_browser() -> Browser:
        browser = Browser(stack.console_url)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.quit()


def test_staff_log_a_call_see_the_suggestion_and_escalate_it(console_site, browsers, tmp_path):
    stack, maker, accounts = console_site
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    staff.open("/calls/new")
    company = f"太原示例精密机械有限公司{uuid.uuid4().hex[:4]}"
    staff.fill("#company", company)
    staff.fill("#caller_name", "李经理")
    staff.fill("#phone", "13800001234")
    staff.fill("#question", "我们在美国被起诉专利侵权，法院的起诉书昨天送达了，20天内要答辩，怎么办")
    # The suggestion arrives while typing: the chat's own NLU (through the Rasa server) and knowledge search.
    staff.wait_for("#suggestion-topic", text="正在发生的纠纷")
    assert "美国" in staff.find("#suggestion-entities").text and "专利" in staff.find("#suggestion-entities").text
    assert staff.find("#suggestion-sources").text.strip() not in ("", "—")
    suggested = staff.find("#answer").get_attribute("value")
    assert "来源" in suggested
    staff.screenshot("call-new", tmp_path)

    staff.find("#save-escalate").click()
    flash = staff.wait_for(".flash", text="已转为工单")
    number = flash.text.split("工单 ")[1].split("，")[0].rstrip("。")
    assert number.startswith("SX-")
    assert staff.find("#call-ticket").text.startswith(number)
    staff.screenshot("call-detail", tmp_path)
    with maker() as session:
        call = session.scalars(select(Call).where(Call.company == company)).one()
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert call.ticket_id == ticket.id and call.intent == "report_dispute"
    assert ticket.priority == "urgent" and ticket.channel == "hotline" and ticket.country == "美国"
    assert ticket.expert_id is not None  # the sample pool has a US patent expert

    # The list shows the call with its ticket; a search narrows it.
    staff.open("/calls?q=" + company)
    assert number in staff.find("#calls-table").text
    staff.screenshot("call-list", tmp_path)


def test_a_script_typed_into_a_field_is_shown_as_text_and_never_runs(console_site, browsers):
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    staff.open("/calls/new")
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    staff.fill("#company", payload)
    staff.fill("#question", "欧盟海关扣押了我们的货物" + payload)
    staff.find("#save-call").click()
    staff.wait_for(".flash", text="已保存")
    assert payload in staff.find("h1").text  # shown literally
    staff.open("/calls")
    assert staff.driver.execute_script("return window.__xss === undefined")
    staff.open("/calls/new")
    staff.fill("#company", payload[:20])  # the company lookup renders earlier calls as text too
    staff.wait_for("#company-history")
    assert staff.driver.execute_script("return window.__xss === undefined")


def test_a_request_without_the_csrf_token_is_refused_in_the_browser(console_site, browsers):
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    staff.open("/calls")
    status = staff.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/calls', {method: 'POST', credentials: 'same-origin',
                         headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                         body: 'company=x&question=yyyy'}).then(r => done(r.status));
    """)
    assert status == 403


def log_and_escalate(staff: Browser, company: str, question: str) -> str:
    """Log a call in the browser and turn it into a ticket with one click; the ticket's number."""
    staff.open("/calls/new")
    staff.fill("#company", company)
    staff.fill("#caller_name", "王经理")
    staff.fill("#phone", "13900004321")
    staff.fill("#question", question)
    staff.wait_for("#suggestion-sources")
    staff.find("#save-escalate").click()
    flash = staff.wait_for(".flash", text="已转为工单")
    return flash.text.split("工单 ")[1].split("，")[0].rstrip("。")


def test_the_expert_signs_in_accepts_and_answers_and_staff_phone_the_answer_through(console_site, browsers, tmp_path):
    stack, maker, accounts = console_site
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    company = f"运城示例果业有限公司{uuid.uuid4().hex[:4]}"
    number = log_and_escalate(staff, company, "我们出口美国的产品被人在美国起诉专利侵权，刚收到传票，需要专家帮助")
    with maker() as session:
        expert_id = session.scalars(select(Ticket.expert_id).where(Ticket.number == number)).one()
    assert expert_id is not None

    expert = browsers()
    expert.sign_in(expert_account(maker, expert_id, PASSWORD), PASSWORD)
    expert.open("/expert")
    assert number in expert.find("#open-cases").text
    expert.screenshot("expert-cases", tmp_path)
    expert.find(f"a[href='/expert/tickets/{number}']").click()
    expert.wait_for("#case-status", text="待受理")
    assert "139****4321" in expert.find("#case-contact").text  # experts answer through the desk, not by phone
    assert "13900004321" not in expert.text
    expert.find("#accept").click()
    expert.wait_for(".flash", text="已受理")
    answer = "建议：1. 核对传票的送达日期，计算答辩期限；2. 尽快委托美国专利诉讼律师；3. 保全产品设计和销售证据。"
    expert.fill("#answer", answer)
    expert.screenshot("expert-case", tmp_path)
    expert.find("#send-answer").click()
    expert.wait_for(".flash", text="答复已提交")
    assert expert.find("#case-status").text == "已答复"

    # The caller has no chat: the answer waits in the staff inbox until staff have phoned it through.
    staff.open("/inbox")
    callback = staff.wait_for("#callbacks", text=number)
    assert answer[:20] in callback.text and "13900004321" in callback.text
    staff.screenshot("inbox", tmp_path)
    # (the acceptance notice waits there too, as its own callback)
    [item] = [a for a in staff.driver.find_elements("css selector", "#callbacks article") if answer[:20] in a.text]
    item.find_element("css selector", "button").click()
    staff.wait_for(".flash", text="已电话告知")
    assert answer[:20] not in staff.find("#callbacks").text

    staff.open(f"/tickets/{number}")
    history = staff.wait_for("#ticket-history").text
    for step in ("建立工单", "分配专家", "专家受理", "专家答复"):
        assert step in history, step
    staff.screenshot("ticket-detail", tmp_path)
    staff.open("/tickets")
    assert number in staff.find("body").text
    staff.screenshot("ticket-list", tmp_path)


def test_a_wrong_role_sees_neither_pages_nor_personal_data(console_site, browsers):
    stack, maker, accounts = console_site
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    company = f"长治示例化工有限公司{uuid.uuid4().hex[:4]}"
    number = log_and_escalate(staff, company, "德国展会上有人说我们侵犯了他们的商标，要我们撤展，怎么办")
    with maker() as session:
        holder = session.scalars(select(Ticket.expert_id).where(Ticket.number == number)).one()
        other = session.scalars(select(Expert.id).where(Expert.id != holder).order_by(Expert.id)).first()
        call_id = session.scalars(select(Call.id).where(Call.company == company)).one()

    outsider = browsers()
    outsider.sign_in(expert_account(maker, other, PASSWORD), PASSWORD)
    for path in (
        "/calls",
        f"/calls/{call_id}",
        "/tickets",
        f"/tickets/{number}",
        "/inbox",
        "/dashboard",
        "/admin/users",
        "/admin/audit",
        "/calls.csv",
    ):
        outsider.open(path)
        assert "403" in outsider.find("h1").text or "403" in outsider.text[:200], path
        assert company not in outsider.text and "13900004321" not in outsider.text, path
    outsider.open(f"/expert/tickets/{number}")  # another expert's case is as good as missing
    assert "404" in outsider.text and company not in outsider.text
    outsider.open("/expert")
    assert number not in outsider.text

    staff.open("/admin/users")  # staff are not administrators
    assert "403" in staff.text and "账号管理" not in staff.text


def test_the_admin_pages_and_the_dashboard(console_site, browsers, tmp_path):
    admin = browsers()
    admin.open("/login")
    admin.screenshot("login", tmp_path)
    admin.sign_in("admin", PASSWORD)
    admin.open("/admin/users")
    assert "staff1" in admin.text
    admin.screenshot("admin-users", tmp_path)
    admin.open("/admin/audit")
    assert "admin" in admin.find("table").text and "登录" in admin.find("table").text  # this very sign-in
    admin.screenshot("audit", tmp_path)
    today = date.today()
    admin.open(f"/dashboard?from={today - timedelta(weeks=8):%Y-%m-%d}&to={today:%Y-%m-%d}")
    admin.wait_for("#totals")
    assert admin.driver.find_elements("css selector", "svg")
    admin.screenshot("dashboard", tmp_path)


def test_staff_see_what_the_bot_could_not_answer_and_dismiss_it(console_site, browsers, tmp_path):
    """The gap queue filled by real chat turns: three enterprises ask the same thing the desk does not handle
    (domestic trademark filing) in their own words; staff find it as one group of three and dismiss it."""
    from tests.helpers.rest import say

    stack = console_site[0]
    run = uuid.uuid4().hex[:6]
    asked = ["国内商标注册要多久", "在国内注册商标需要多长时间", "国内商标注册需要多长时间？"]
    for n, question in enumerate(asked):
        say(stack, f"gaps-{run}-{n}", question)
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    staff.open("/knowledge/gaps?kind=refer")
    row = staff.wait_for("tr.gap-group", text=asked[-1])
    assert int(row.find_element("css selector", ".gap-count").text) >= 3  # one group, however they were worded
    staff.screenshot("gaps", tmp_path)
    row.find_element("css selector", "button.dismiss").click()
    staff.wait_for(".flash", text="条未答问题")
    assert asked[-1] not in staff.text


XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><svg onload="window.__xss=3">'


def test_a_script_in_a_company_name_runs_on_no_page_staff_or_experts_open(console_site, browsers):
    stack, maker, accounts = console_site
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    company = "晋南" + XSS + uuid.uuid4().hex[:4]
    number = log_and_escalate(staff, company, "我们在美国被起诉专利侵权，收到了起诉书" + XSS)
    with maker() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        call_id = session.scalars(select(Call.id).where(Call.ticket_id == ticket.id)).one()
    pages = [
        "/calls/new",
        "/",
        "/calls",
        f"/calls/{call_id}",
        f"/calls?q={company[:6]}",
        "/tickets",
        "/inbox",
        "/dashboard",
        f"/tickets/{number}",
    ]
    for path in pages:
        staff.open(path)
        assert staff.driver.execute_script("return window.__xss === undefined"), path
    assert XSS in staff.find("h1").text  # the ticket's heading shows it as the text it is
    expert = browsers()
    expert.sign_in(expert_account(maker, ticket.expert_id, PASSWORD), PASSWORD)
    for path in ("/expert", f"/expert/tickets/{number}"):
        expert.open(path)
        assert expert.driver.execute_script("return window.__xss === undefined"), path
    admin = browsers()
    admin.sign_in("admin", PASSWORD)
    admin.open("/admin/audit")
    assert admin.driver.execute_script("return window.__xss === undefined")


def test_a_form_on_another_site_cannot_make_a_signed_in_browser_change_anything(console_site, browsers, tmp_path):
    """Cross-site request forgery: a page elsewhere auto-submits a form to the console in a signed-in browser."""
    import http.server
    import threading

    from tests.helpers.stack import free_port

    stack, maker, accounts = console_site
    staff = browsers()
    staff.sign_in("staff1", PASSWORD)
    marker = f"伪造请求{uuid.uuid4().hex[:6]}"
    (tmp_path / "evil.html").write_text(
        f'<form id="f" method="post" action="{stack.console_url}/calls">'
        f'<input name="company" value="{marker}"><input name="question" value="跨站伪造的来电记录内容">'
        f'<input name="csrf_token" value="guessed"></form><script>document.getElementById("f").submit()</script>',
        encoding="utf-8",
    )
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path))  # noqa: E731
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        staff.driver.get(f"http://localhost:{port}/evil.html")  # another origin than the console's 127.0.0.1
        staff.wait_for("body")
        import time

        time.sleep(2)  # the form has been submitted and answered
    finally:
        server.shutdown()
    with maker() as session:
        assert session.scalars(select(Call).where(Call.company == marker)).first() is None
    staff.open("/calls")  # and the staff's own session still works
    assert "/login" not in staff.driver.current_url
