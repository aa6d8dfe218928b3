"""The console end to end in headless Chromium, against the services `make run` starts (the real Rasa server for
the suggestion, the desk database, the desk worker): staff log a call and see the suggestion, escalate it, the
expert answers it, staff relay the answer; and what a wrong role, a script in a field or a forged request gets."""
from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.console.accounts import Accounts
from bot.console.config import ConsoleSettings
from bot.db import make_engine, sessions
from bot.models import Call, Expert, Ticket
from browser import Browser, missing_browser

PASSWORD = "browser-test-password-1"


@pytest.fixture(scope="module")
def console_site(stack):
    """The stack's console, with an admin made by the admin command and a staff account."""
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    env = stack.environment()
    admin = subprocess.run([sys.executable, "-m", "bot.console", "create-admin", "admin", "--name", "系统管理员",
                            "--password-stdin"], input=PASSWORD + "\n", env=env, capture_output=True, text=True,
                           timeout=60)
    assert admin.returncode == 0, admin.stderr
    assert "administrator admin created" in admin.stdout
    engine = make_engine(env["DATABASE_URL"])
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


def expert_account(accounts: Accounts, maker, expert_id: int) -> str:
    """The console account of the pool expert `expert_id` (made once)."""
    username = f"expert{expert_id}"
    with maker() as session:
        from bot.models import ConsoleUser

        if session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == username)) is None:
            name = session.get(Expert, expert_id).name
            accounts.create_user(username, name, "expert", PASSWORD, expert_id=expert_id, actor_name="test")
    return username


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
