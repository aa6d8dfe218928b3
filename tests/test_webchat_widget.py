"""The widget on a website's page in headless Chromium: one <script> tag and an element id put the chat there (the
chat server's own page in a frame), and a site the chat does not list cannot frame it."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
from selenium.webdriver.common.by import By

from bot.channels.webchat.config import WebchatSettings
from tests.helpers.browser import Browser, missing_browser
from tests.helpers.stack import free_port
from tests.helpers.webchat import WebchatServer

pytestmark = pytest.mark.stack  # Chromium

SNIPPET = '<div id="ipdesk-chat"></div>\n<script src="{chat}/widget.js" data-target="ipdesk-chat" async></script>'


def site(folder, html: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    (folder / "index.html").write_text(f"<!doctype html><h1>知识产权保护</h1>{html}", encoding="utf-8")
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(folder))  # noqa: E731
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture()
def portal(tmp_path, monkeypatch):
    """A website with the widget (http://127.0.0.1:<port>), and the chat server that lists it."""
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    monkeypatch.setenv("IPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    (tmp_path / "listed").mkdir()
    chat_port = free_port()
    chat_url = f"http://127.0.0.1:{chat_port}"
    web, origin = site(tmp_path / "listed", SNIPPET.format(chat=chat_url))
    settings = WebchatSettings(
        rasa_url=f"http://127.0.0.1:{free_port()}",
        rasa_token="test-token",
        port=chat_port,
        var_dir=tmp_path,
        embed_origins=(origin,),
    )
    chat = WebchatServer(settings).start()
    yield origin, chat_url, tmp_path
    chat.stop()
    web.shutdown()


def test_one_script_tag_puts_the_chat_on_a_listed_site_and_nowhere_else(portal) -> None:
    origin, chat_url, folder = portal
    browser = Browser(origin)
    try:
        browser.open("/index.html")
        frame = browser.wait_for("#ipdesk-chat iframe")
        assert frame.get_attribute("src") == f"{chat_url}/?embed=1"
        browser.driver.switch_to.frame(frame)
        browser.wait_for("#consent", text="隐私")
        browser.find("#agree").click()
        browser.wait_for("#text")  # the session cookie works inside the frame (the same site)
        browser.driver.switch_to.default_content()

        (folder / "other").mkdir()
        other, other_origin = site(folder / "other", SNIPPET.format(chat=chat_url))
        try:
            browser.driver.get(other_origin + "/index.html")
            frame = browser.wait_for("#ipdesk-chat iframe")
            time.sleep(3)  # the listed site's frame showed the notice well within this
            browser.driver.switch_to.frame(frame)
            assert browser.driver.find_elements(By.CSS_SELECTOR, "#consent, #text") == []  # refused to be framed
        finally:
            other.shutdown()
    finally:
        browser.quit()
