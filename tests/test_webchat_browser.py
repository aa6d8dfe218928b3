"""The web chat end to end in headless Chromium, against the services `make run` starts (the web chat server, the
Rasa server, the action server, the desk worker, the console): a visitor agrees to the notice, asks, presses a
button, checks a citation, escalates through the form with a file, and an expert's answer given in the console
appears live; a reload keeps the history; another browser sees none of it; a script in any field never runs; the
phone layout fits. Screenshots go to docs/screenshots/ under `make screenshots` (IPDESK_SCREENSHOTS)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from bot.clock import SystemClock
from bot.desk.db import make_engine, sessions
from bot.desk.schema import Attachment, Ticket
from tests.helpers.browser import Browser, missing_browser
from tests.helpers.console import expert_account
from tests.helpers.rest import message, post

PASSWORD = "webchat-browser-password-1"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><svg onload="window.__xss=3">'


@pytest.fixture(scope="module")
def chat_site(stack):
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    engine = make_engine(stack.environment()["IPDESK_DATABASE_URL"])
    yield stack, sessions(engine)
    engine.dispose()


@pytest.fixture()
def browsers(chat_site):
    opened: list[Browser] = []

    def open_browser(base: str | None = None) -> Browser:
        browser = Browser(base or chat_site[0].webchat_url)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.quit()


def agree(chat: Browser) -> None:
    chat.open("/")
    chat.wait_for("#agree").click()
    chat.wait_for("#text")


def ask(chat: Browser, text: str) -> None:
    before = len(bot_messages(chat))
    chat.fill("#text", text)
    chat.find("#send").click()
    WebDriverWait(chat.driver, 60).until(lambda d: len(bot_messages(chat)) > before, f"no answer to {text!r}")


def bot_messages(chat: Browser) -> list[str]:
    return [e.text for e in chat.driver.find_elements(By.CSS_SELECTOR, "#messages .from-bot")]


def wait_text(chat: Browser, text: str, timeout: float = 60) -> None:
    WebDriverWait(chat.driver, timeout).until(
        lambda d: text in d.find_element(By.ID, "messages").text, f"{text!r} never appeared in the chat"
    )


def test_consent_ask_a_button_and_a_citation_then_a_reload_keeps_the_history(chat_site, browsers, tmp_path) -> None:
    chat = browsers()
    chat.open("/")
    notice = chat.wait_for("#consent")
    assert "隐私" in notice.text and "730" in notice.text and "专家" in notice.text  # what, how long, who
    assert chat.find("#conversation").get_attribute("hidden") is not None
    chat.screenshot("webchat-consent", tmp_path)
    chat.find("#agree").click()
    chat.wait_for("#text")

    ask(chat, "有哪些海外知识产权保险")
    answer = chat.driver.find_elements(By.CSS_SELECTOR, "#messages .from-bot")[-1]
    links = answer.find_elements(By.CSS_SELECTOR, ".sources a")
    assert links, answer.text
    measure = next(link for link in links if "/source/policy%3A7" in link.get_attribute("href"))
    assert "第（七）条" in measure.text
    buttons = answer.find_elements(By.CSS_SELECTOR, ".choice")
    more = next(b for b in buttons if b.text == "查看详情")  # the "more" text is a button
    chat.screenshot("webchat-answer", tmp_path)

    more.click()
    WebDriverWait(chat.driver, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#messages .from-user")[-1].text.endswith("查看详情")
    )
    WebDriverWait(chat.driver, 60).until(lambda d: len(bot_messages(chat)) >= 2)
    assert "/ask_item" not in chat.find("#messages").text  # the button's title is shown, never its payload
    before = chat.find("#messages").text

    href = measure.get_attribute("href")
    chat.driver.get(href)
    page = chat.wait_for("#source")
    assert "晋知产发〔2022〕23号" in page.text and "《实施意见》原文" in page.text
    chat.screenshot("webchat-source", tmp_path)

    chat.open("/")  # a new visit: the same conversation, read from Rasa
    WebDriverWait(chat.driver, 30).until(lambda d: d.find_element(By.ID, "messages").text == before)

    old_cookie = chat.driver.get_cookie("ipdesk_chat")["value"]
    chat.find("#clear").click()  # "clear my conversation": asked to confirm, then the notice again
    chat.driver.switch_to.alert.accept()
    chat.wait_for("#consent")
    assert chat.driver.get_cookie("ipdesk_chat") is None
    history = httpx.get(f"{chat_site[0].webchat_url}/api/history", cookies={"ipdesk_chat": old_cookie}).json()
    assert history["messages"] == []  # even a copy of the old cookie finds nothing left
    chat.find("#agree").click()
    chat.wait_for("#text")
    assert chat.find("#messages").text == ""


def test_escalate_through_the_form_with_a_file_and_the_experts_answer_appears_live(
    chat_site, browsers, tmp_path
) -> None:
    stack, maker = chat_site
    chat = browsers()
    agree(chat)
    company = f"晋城示例铸造有限公司{uuid.uuid4().hex[:4]}"
    ask(chat, "我们在美国被起诉专利侵权了，法院文件昨天刚送达，怎么办")
    wait_text(chat, "企业名称")
    ask(chat, company)
    letter = tmp_path / "起诉书.pdf"
    letter.write_bytes(b"%PDF-1.4\n% a served complaint\n%%EOF\n")
    chat.find("#file").send_keys(str(letter))  # sent while the form is still asking: it waits for the ticket
    wait_text(chat, "起诉书.pdf")
    ask(chat, "王经理 138 0000 0002")
    ask(chat, "20天内要答辩")
    wait_text(chat, "SX-")
    with maker() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.company == company)).one()
        number, expert_id, sender = ticket.number, ticket.expert_id, ticket.sender_id
    assert ticket.channel == "webchat" and sender.startswith("web:") and expert_id is not None
    WebDriverWait(chat.driver, 30, poll_frequency=1).until(lambda d: attachment_on(maker, number), "file not attached")
    chat.screenshot("webchat-escalation", tmp_path)

    expert = browsers(stack.console_url)
    expert.sign_in(expert_account(maker, expert_id, PASSWORD), PASSWORD)
    expert.open(f"/expert/tickets/{number}")
    expert.wait_for("#accept").click()
    expert.wait_for(".flash", text="已受理")
    answer = f"建议{uuid.uuid4().hex[:4]}：1. 核对送达日期，计算答辩期限；2. 尽快委托美国专利诉讼律师。"
    expert.fill("#answer", answer)
    expert.find("#send-answer").click()
    expert.wait_for(".flash", text="答复已提交")

    wait_text(chat, answer[:12], timeout=90)  # delivered into the conversation by the desk worker, shown live
    chat.screenshot("webchat-expert-answer", tmp_path)
    chat.open("/")  # and there on the next visit
    wait_text(chat, answer[:12], timeout=30)


def attachment_on(maker, number: str) -> bool:
    with maker() as session:
        found = session.scalars(
            select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id).where(Ticket.number == number)
        ).all()
    return any(a.file_name == "起诉书.pdf" and a.mime_type == "application/pdf" for a in found)


def test_a_second_browser_cannot_read_the_first_ones_conversation(chat_site, browsers) -> None:
    stack, _ = chat_site
    first = browsers()
    agree(first)
    secret = f"我们公司的秘密配方{uuid.uuid4().hex[:6]}被美国客户抄袭了"
    ask(first, secret)
    cookie = first.driver.get_cookie("ipdesk_chat")
    assert cookie["httpOnly"] and cookie["value"]
    assert first.driver.execute_script("return document.cookie").find("ipdesk_chat") == -1

    second = browsers()
    second.open("/")
    second.wait_for("#consent")  # a new visitor: the notice, no conversation
    second.find("#agree").click()
    second.wait_for("#text")
    time.sleep(3)  # the live stream has had time to bring anything it would
    assert secret[:10] not in second.text

    # Nor can a client choose the first's conversation: not by REST, not by a cookie of its own making.
    sender_guess = "web:" + cookie["value"].split(".")[0]
    status, _, answer = post(stack, message(sender_guess, "看看别人的对话"))
    assert status == 400 and "web chat" in answer["error"]
    forged = httpx.get(f"{stack.webchat_url}/api/history", cookies={"ipdesk_chat": cookie["value"][:-2] + "xx"})
    assert forged.status_code == 401


def test_a_script_in_any_field_is_shown_as_text_and_never_runs(chat_site, browsers, tmp_path) -> None:
    chat = browsers()
    agree(chat)
    ask(chat, "我想找专家咨询" + XSS)  # the bot declines it; the page still shows it, as text
    ask(chat, "我想找专家咨询")
    ask(chat, "晋中示例" + XSS)  # the form's company field
    chat.driver.execute_async_script(  # a button label is the client's to send: a script there too
        """const done = arguments[arguments.length - 1];
        fetch('/api/message', {method: 'POST', credentials: 'same-origin',
          headers: {'Content-Type': 'application/json', 'X-Requested-With': 'ipdesk-chat'},
          body: JSON.stringify({id: 'xss-label-0001', text: '/cancel', label: arguments[0]})}).then(() => done());""",
        XSS,
    )
    wait_text(chat, XSS[:20])
    letter = tmp_path / "<img src=x onerror=window.__xss=4>.pdf"
    letter.write_bytes(b"%PDF-1.4\n%%EOF\n")
    chat.find("#file").send_keys(str(letter))
    wait_text(chat, ".pdf")
    chat.open("/")
    wait_text(chat, "晋中示例" + XSS[:20])
    assert chat.driver.execute_script("return window.__xss === undefined")
    assert XSS in chat.find("#messages").text  # shown literally


def test_a_paste_over_the_limit_is_explained_and_stays_in_the_box_to_be_shortened(chat_site, browsers) -> None:
    chat = browsers()
    agree(chat)
    paste = "我们的货在德国被海关扣了，" * 320  # 4160 characters: the page takes it, the server does not
    chat.driver.execute_script("document.getElementById('text').value = arguments[0];", paste)
    chat.find("#send").click()
    WebDriverWait(chat.driver, 30).until(lambda d: "请概括您的问题" in d.find_element(By.ID, "status").text)
    assert chat.find("#text").get_attribute("value") == paste  # nothing the visitor wrote is lost
    assert paste[:40] not in chat.find("#messages").text  # and nothing of it was sent into the conversation


def test_the_phone_layout_fits_the_screen(chat_site, browsers, tmp_path) -> None:
    chat = browsers()
    chat.driver.set_window_size(390, 844)
    agree(chat)
    ask(chat, "337调查一般要多久")
    width = chat.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # nothing runs off the side
    assert chat.find("#send").is_displayed() and chat.find("#text").is_displayed()
    chat.screenshot("webchat-mobile", tmp_path)
    chat.find("#language").click()  # English, and back
    chat.wait_for("#send", text="Send")
    assert chat.find("html").get_attribute("lang") == "en"

    def press_first_button(driver) -> bool:  # the page redraws the conversation in the new language meanwhile
        try:
            driver.find_elements(By.CSS_SELECTOR, ".from-bot .choice")[0].click()
        except (IndexError, StaleElementReferenceException):
            return False
        return True

    WebDriverWait(chat.driver, 30).until(press_first_button)  # a button: answered in English now
    WebDriverWait(chat.driver, 60).until(  # the bot's own words, not the page's labels (English now too)
        lambda d: any("Measure" in e.text for e in d.find_elements(By.CSS_SELECTOR, ".from-bot .text")),
        "no English answer",
    )
    chat.find("#language").click()
    chat.wait_for("#send", text="发送")


def test_a_warning_published_by_staff_appears_live_for_a_subscriber(chat_site, browsers) -> None:
    from bot.desk.risk_warnings import Warnings
    from bot.settings import DeskSettings

    stack, maker = chat_site
    chat = browsers()
    agree(chat)
    ask(chat, "订阅韩国的知识产权预警")
    wait_text(chat, "订阅")
    title = f"韩国展会商标侵权投诉增多{uuid.uuid4().hex[:4]}"
    warnings = Warnings(maker, SystemClock(), DeskSettings(database_url=stack.environment()["IPDESK_DATABASE_URL"]))
    pushed = warnings.publish(
        warnings.parse(
            {
                "title": title,
                "text": "近期韩国展会多次出现商标投诉。",
                "source": "预警快报（测试）",
                "countries": "韩国",
            }
        ),
        "staff:webchat-test",
    )
    assert pushed.queued >= 1
    wait_text(chat, title, timeout=90)  # pushed into the conversation by the desk worker, shown without a reload
