"""The web chat server on a loopback port with Rasa down (its URL a closed port): what a visitor, a forged request,
another site and a flood get before any conversation is reached, and that a message sent while Rasa cannot answer
is kept, in order, with the visitor told once."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from bot.channels.webchat.config import WebchatSettings
from bot.channels.webchat.inbox import Inbox
from tests.helpers.stack import free_port
from tests.helpers.webchat import PAGE_HEADERS, Visitor, WebchatServer

STATIC = Path(__file__).resolve().parent.parent / "bot" / "channels" / "webchat" / "static"


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("IPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    from bot.desk.db import create_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    create_schema(engine)
    engine.dispose()
    settings = WebchatSettings(
        rasa_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there: Rasa is down
        rasa_token="test-token",
        port=free_port(),
        var_dir=tmp_path,
        burst=10,
        per_minute=6,
        max_file_mb=1,
        retry_seconds=3600,  # the retries are the stack tests' business
    )
    running = WebchatServer(settings).start()
    yield running
    running.stop()


@pytest.fixture()
def visitor(server):
    client = Visitor(server.url)
    yield client
    client.close()


def kept(server) -> list[tuple[str, str]]:
    inbox = Inbox(server.settings.var_dir / "webchat-inbox.db")
    try:
        return [(k.sender, k.text) for sender in inbox.senders() for k in inbox.waiting(sender)]
    finally:
        inbox.close()


def test_nothing_is_taken_before_the_visitor_agrees_to_the_privacy_notice(visitor, server) -> None:
    assert visitor.http.get("/api/session").json()["consented"] is False
    for path in ("/api/history", "/api/events"):
        assert visitor.http.get(path).status_code == 401
    assert visitor.send("337调查一般要多久").status_code == 401
    assert kept(server) == []
    visitor.consent()
    cookie = visitor.http.cookies.get("ipdesk_chat")
    assert cookie and visitor.http.get("/api/session").json()["consented"] is True
    header = next(h for h in visitor.http.post("/api/consent", headers=PAGE_HEADERS).headers.get_list("set-cookie"))
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_a_message_sent_while_rasa_is_down_is_kept_in_order_and_the_visitor_told_once(visitor, server) -> None:
    visitor.consent()
    first = visitor.send("337调查一般要多久", id="message-0001")
    assert first.status_code == 200 and first.json() == {"status": "kept", "notice": True}
    again = visitor.send("337调查一般要多久", id="message-0001")  # the browser retrying the same message
    assert again.json() == {"status": "kept", "notice": False}
    second = visitor.send("有哪些海外知识产权保险", id="message-0002")
    assert second.json() == {"status": "kept", "notice": False}
    texts = [text for _, text in kept(server)]
    assert texts == ["337调查一般要多久", "有哪些海外知识产权保险"]
    senders = {sender for sender, _ in kept(server)}
    assert len(senders) == 1 and senders.pop().startswith("web:")  # the session's sender, issued by the server


def test_the_same_refusals_as_the_rest_channel_before_anything_is_kept(visitor, server) -> None:
    visitor.consent()
    for text, status in [
        ("/restart", 400),
        ('/request_human{"country": "<anything>"}', 400),
        (" \u0000\u0007 ", 400),
        ("专利" * 2001, 413),
    ]:
        answer = visitor.send(text)
        assert answer.status_code == status and answer.json()["error"], (text[:20], answer.text)
        if status == 413:  # a paste over the limit is asked to be summarised in its language, as REST and WeChat ask
            assert "请概括您的问题" in answer.json()["error"]
    # A typed command is explained in the visitor's language, not in the channel's technical words.
    assert "文字" in visitor.send("/restart").json()["error"]
    assert "不能接受" in visitor.send('/request_human{"country": "<anything>"}').json()["error"]
    assert visitor.send("hello", id="../../etc").status_code == 400
    assert visitor.http.post("/api/message", content=b"[1", headers=PAGE_HEADERS).status_code == 400
    assert visitor.http.post("/api/language", json={"language": "fr"}, headers=PAGE_HEADERS).status_code == 400
    assert kept(server) == []
    assert visitor.send("有哪些\u0000海外知识产权保险").json()["status"] == "kept"
    assert [text for _, text in kept(server)] == ["有哪些海外知识产权保险"]


def test_a_post_from_another_site_or_without_the_pages_header_is_refused(visitor, server) -> None:
    visitor.consent()
    body = {"id": uuid.uuid4().hex, "text": "337调查一般要多久"}
    assert visitor.http.post("/api/message", json=body).status_code == 403
    foreign = {**PAGE_HEADERS, "Origin": "http://evil.example"}
    assert visitor.http.post("/api/message", json=body, headers=foreign).status_code == 403
    assert visitor.http.post("/api/clear", headers=foreign).status_code == 403
    assert visitor.http.post("/api/consent").status_code == 403
    assert kept(server) == []


def test_a_flooding_visitor_gets_429_with_retry_after(visitor, server) -> None:
    visitor.consent()
    statuses = [visitor.send(f"问题{i}").status_code for i in range(14)]
    assert statuses[:10] == [200] * 10 and 429 in statuses[10:]
    refused = visitor.send("再问一次")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    other = Visitor(server.url)  # another visitor is not held back by the first
    try:
        other.consent()
        assert other.send("337调查一般要多久").status_code == 200
    finally:
        other.close()


def test_the_page_is_served_under_a_policy_without_inline_script(visitor) -> None:
    page = visitor.http.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all('src="/' in attributes and not body.strip() for attributes, body in scripts)
    assert "on" + "click=" not in page.text and "http" not in page.text.replace('name="viewport"', "")  # no CDN
    assert visitor.http.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert visitor.http.get("/static/../server.py").status_code == 404
    assert visitor.http.get("/static/chat.html").status_code == 404


def test_a_source_page_shows_the_policys_own_wording(visitor) -> None:
    from knowledge import KnowledgeBase

    kb = KnowledgeBase.load()
    item = kb.get("policy:7")
    assert item is not None
    page = visitor.http.get("/source/policy:7")
    assert page.status_code == 200 and "晋知产发〔2022〕23号" in page.text
    first_paragraph = item.text.zh.split("\n\n")[0].strip()
    assert first_paragraph[:30] in page.text
    english = visitor.http.get("/source/policy:7?lang=en")
    assert item.text.en.split("\n\n")[0].strip()[:30].replace("'", "&#x27;") in english.text
    assert visitor.http.get("/source/policy:999").status_code == 404
    assert visitor.http.get("/source/<script>").status_code == 404


def test_a_file_is_checked_by_type_content_and_size_before_it_is_stored(visitor, server) -> None:
    visitor.consent()

    def upload(name: str, content: bytes) -> int:
        files = {"file": (name, content, "application/pdf")}
        return visitor.http.post("/api/attachment", files=files, headers=PAGE_HEADERS).status_code

    assert visitor.http.post("/api/attachment", json={"file": "x"}, headers=PAGE_HEADERS).status_code == 400
    assert upload("virus.exe", b"MZ\x90\x00") == 415
    assert upload("complaint.pdf", b"<html>not a pdf</html>") == 415
    assert upload("complaint.pdf", b"%PDF-1.4\n" + b"x" * (1024 * 1024 + 10)) == 413
    stored = (
        list((server.settings.var_dir / "attachments").rglob("*"))
        if (server.settings.var_dir / "attachments").exists()
        else []
    )
    assert not [path for path in stored if path.is_file()]


def test_clearing_the_conversation_ends_the_session_and_drops_what_was_kept(visitor, server) -> None:
    visitor.consent()
    assert visitor.send("337调查一般要多久").json()["status"] == "kept"
    cleared = visitor.http.post("/api/clear", headers=PAGE_HEADERS)
    assert cleared.status_code == 200
    assert visitor.http.get("/api/session").json()["consented"] is False
    assert kept(server) == []


def test_a_visitor_may_hold_a_few_live_streams_not_more(visitor) -> None:
    from contextlib import ExitStack

    visitor.consent()
    with ExitStack() as streams:
        for _ in range(4):
            opened = streams.enter_context(visitor.http.stream("GET", "/api/events"))
            assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/event-stream")
            assert next(opened.iter_lines()) == "retry: 2000"
        refused = visitor.http.get("/api/events", timeout=5)
        assert refused.status_code == 429 and refused.headers["Retry-After"]
