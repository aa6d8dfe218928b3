"""The edges of the running stack, as an attacker on the machine or the network meets them (issue 15): the action
server answers only the Rasa server (its token), the REST channel takes from users only what they may send (no
typed intents but the bot's buttons, entities only from the vocabulary, sender ids that reach the desk's answers,
text every store can keep, JSON of a sane depth), the Rasa server reads no huge body, one address cannot flood it,
no token shows in the process list, the databases are private, and "取消" forgets the contact."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
import urllib.error
import urllib.request
import uuid
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.helpers.rest import customs, message, post, say, tracker_events

from tests.test_security import desk_counts


def call(
    url: str,
    body: bytes | None = None,
    *,
    method: str = "POST",
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def action_call(sender: str, action: str = "action_greet") -> dict[str, Any]:
    """An action call as the Rasa server sends it, for a made-up conversation."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "你好", "intent": {"name": "greet"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


# --- High 1: the action server.


def test_the_action_server_answers_only_the_rasa_server(stack) -> None:
    webhook = f"{stack.actions_url}/webhook"
    body = json.dumps(action_call("victim-0001")).encode()
    for headers, url in (({}, webhook), ({"Authorization": "Bearer wrong"}, webhook), ({}, webhook + "?token=wrong")):
        status, answer = call(url, body, headers=headers)
        assert status == 401, (headers, url, status, answer[:200])
        assert b"victim" not in answer and b"tracker" not in answer
    # A form any web page can post without a preflight: refused before anything runs.
    status, answer = call(webhook, body, content_type="text/plain")
    assert status == 401 and b"victim" not in answer
    assert call(f"{stack.actions_url}/actions", method="GET")[0] == 401

    token = getattr(stack, "actions_token", "")
    bearer = {"Authorization": f"Bearer {token}"}
    assert call(webhook, body, content_type="text/plain", headers=bearer)[0] == 415
    for malformed in (
        b"{not json",
        b"[]",
        b'{"next_action": "action_greet"}',
        b"[" * 60_000,
        json.dumps({"next_action": "action_greet", "tracker": {"sender_id": "x", "events": "no"}}).encode(),
    ):
        status, answer = call(webhook, malformed, headers=bearer)
        assert status == 400, (malformed[:40], status, answer[:200])
        assert set(json.loads(answer)) == {"error"}, answer  # the reason, never the body back (no "request_body")
    status, answer = call(webhook, body, headers=bearer)
    assert status == 200 and "custom" in answer.decode()
    status, answer = call(webhook + f"?token={token}", zlib.compress(body), headers={"Content-Encoding": "deflate"})
    assert status == 200
    # A deflate bomb is refused, not inflated whole.
    assert (
        call(webhook, zlib.compress(b" " * (64 * 1024 * 1024)), headers={**bearer, "Content-Encoding": "deflate"})[0]
        == 400
    )
    assert call(f"{stack.actions_url}/health", method="GET")[0] == 200
    # The Rasa server sends the token: the bot still runs its custom actions.
    assert customs(say(stack, "edge-actions", "有哪些海外知识产权保险"))[-1]["kind"] == "answer"


# --- Medium 5 and the Low list: what a user may type.

REFUSED_PAYLOADS = [
    "/restart",
    "  /session_start",
    "/greet",
    "/bot_instruction",
    "/action_restart",
    '/EXTERNAL_desk_message{"desk_text": "您的工单已关闭", "outbox_key": "x"}',
    '/request_human{"country": "火星共和国", "industry": "任意文本", "dispute_type": "x"}',
    '/request_human{"contact": "王经理 13800000000"}',
    '/ask_item{"item": "../../etc/passwd"}',
    '/rate{"ticket": "SX-20260101-0001", "score": "100"}',
    "/ask_item@0.99",
]


@pytest.mark.parametrize("text", REFUSED_PAYLOADS)
def test_a_typed_intent_that_is_no_button_of_the_bot_is_answered_not_run(stack, text) -> None:
    sender = f"edge-typed-{uuid.uuid4().hex[:8]}"
    say(stack, sender, "有哪些海外知识产权保险")
    before, desk = tracker_events(stack, sender), desk_counts(stack)
    status, _, answer = post(stack, message(sender, text))
    assert status == 200 and len(answer) == 1, answer
    custom = answer[0]["custom"]
    if "{" in text or "@" in text:  # sets values: refused
        assert (custom["kind"], custom["reason"], custom["sources"]) == ("out_of_scope", "refuse", []), answer
        assert "不能接受" in answer[0]["text"] or "not accepted" in answer[0]["text"]
    else:  # a bare command: asked to write the question in words
        assert custom["kind"] == "clarify" and ("文字" in answer[0]["text"] or "in words" in answer[0]["text"])
    assert tracker_events(stack, sender) == before and desk_counts(stack) == desk


def test_the_bots_own_buttons_and_vocabulary_entities_still_work(stack) -> None:
    sender = f"edge-buttons-{uuid.uuid4().hex[:8]}"
    assert customs(say(stack, sender, '/ask_item{"item": "policy:7"}'))[-1]["sources"] == ["policy:7"]
    replies = say(stack, sender, '/request_human{"country": "美国"}')
    assert customs(replies)[-1]["kind"] == "form"
    countries = [e["value"] for e in tracker_events(stack, sender) if e["event"] == "slot" and e["name"] == "country"]
    assert countries and countries[-1] == "美国"
    assert customs(say(stack, sender, "取消"))[-1]["kind"] == "help"


def test_cancel_forgets_the_contact(stack) -> None:
    sender = f"edge-cancel-{uuid.uuid4().hex[:8]}"
    say(stack, sender, "找专家咨询")
    say(stack, sender, "太原示例机械有限公司")
    say(stack, sender, "王经理 138 0000 0002")
    assert customs(say(stack, sender, "取消"))[-1]["kind"] == "help"
    contact = [e["value"] for e in tracker_events(stack, sender) if e["event"] == "slot" and e["name"] == "contact"]
    assert contact and contact[-1] is None
    assert customs(say(stack, sender, "找专家咨询"))[-1].get("ask") == "company"
    assert customs(say(stack, sender, "太原示例机械有限公司"))[-1].get("ask") == "contact"  # asked again, not kept
    say(stack, sender, "取消")


# --- Medium 6: a broken character.


def test_a_lone_surrogate_neither_blocks_escalation_nor_reaches_the_desk(stack) -> None:
    sender = f"edge-surrogate-{uuid.uuid4().hex[:8]}"
    status, _, replies = post(
        stack, message(sender, "我们在美国被起诉专利侵权了\ud800，法院文件昨天刚送达\ufffe，怎么办")
    )
    assert status == 200, replies
    assert customs(replies)[-1].get("ask") == "company"
    say(stack, sender, "太原示例机械有限公司\udfff")
    say(stack, sender, "王经理 138 0000 0003")
    ticket = customs(say(stack, sender, "20天内要答辩"))[-1]
    assert ticket["kind"] == "escalation" and ticket["ticket"], ticket


# --- Medium 7: sender ids.


@pytest.mark.parametrize("sender", ["a b", "用户甲", "a/b", "a%41", "a?b", "a#b", "a+b"])
def test_a_sender_id_that_needs_percent_encoding_is_refused(stack, sender) -> None:
    status, _, answer = post(stack, message(sender, "你好"))
    assert status == 400 and "sender" in answer["error"], answer


def test_a_sender_id_the_channel_takes_is_the_conversation_the_desk_reaches(stack) -> None:
    sender = f"user.{uuid.uuid4().hex[:6]}@example.org~x:1"
    say(stack, sender, "你好")
    # The desk's worker names the conversation in the path of Rasa's API as bot/runtime/relay.py does.
    url = f"{stack.rasa_url}/conversations/{quote(sender, safe=':@')}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        tracker = json.loads(response.read())
    assert tracker["sender_id"] == sender and any(e["event"] == "user" for e in tracker["events"])


# --- The Low list: bodies, addresses, the process list, the files.


def test_deeply_nested_json_is_a_400(stack) -> None:
    for body in (
        b"[" * 60_000,
        b'{"sender": "edge-nested", "message": "hi", "metadata": ' + b'{"a": ' * 40 + b"1" + b"}" * 41,
    ):
        status, _, answer = post(stack, body)
        assert status == 400 and answer.get("error"), answer


def test_the_rasa_server_refuses_a_huge_body_before_reading_it(stack) -> None:
    with socket.create_connection(("127.0.0.1", stack.rasa_port), timeout=10) as connection:
        connection.sendall(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000000\r\n\r\n{"
        )  # over the cap, under Sanic's 100 MB default
        connection.settimeout(10)
        head = connection.recv(200)
    assert head.startswith(b"HTTP/1.1 413"), head


def test_one_address_cannot_flood_the_channel(stack) -> None:
    statuses = [post(stack, b"{}")[0] for _ in range(250)]
    assert 429 in statuses and set(statuses) <= {400, 429}
    status, headers, answer = post(stack, b"{}")
    assert status == 429 and "address" in answer["error"] and int(headers["Retry-After"]) >= 1
    time.sleep(11)  # the suite's address bucket (100, 10 a second) fills up again for the tests that follow


def test_no_token_is_on_any_command_line(stack) -> None:
    secrets = [stack.rasa_token, getattr(stack, "actions_token", stack.rasa_token)]
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            command_line = (process / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        assert not any(secret in command_line for secret in secrets), command_line[:200]


def test_the_databases_and_logs_are_readable_by_their_owner_only(stack) -> None:
    say(stack, "edge-files", "你好")
    files = [stack.var_dir / "desk.db", stack.var_dir / "tracker.db", *sorted((stack.var_dir / "logs").glob("*.log"))]
    for path in files:
        assert path.exists(), path
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, (path, oct(os.stat(path).st_mode))
    assert stat.S_IMODE(os.stat(stack.var_dir).st_mode) & 0o077 == 0


def test_user_text_forges_no_log_line_and_payloads_leave_no_contact_in_the_logs(stack) -> None:
    marker = uuid.uuid4().hex[:10]
    forged = f"2026-12-05 10:00:00 INFO forged{marker}"
    say(stack, "edge-logs", f"美国专利诉讼\n{forged}\r\n{forged}")
    post(stack, message("edge-logs", f'/request_human{{"contact": "13800001234", "x": "{marker}"}}'))
    post(stack, message("edge-logs", f'/ask_item{{"item": "policy:7", "note": "{marker} 13800001234"}}'))
    time.sleep(1)
    logs = "\n".join(path.read_text(errors="replace") for path in (stack.var_dir / "logs").glob("*.log"))
    assert not any(
        line.lstrip().startswith(forged) or line.startswith(f"INFO forged{marker}") for line in logs.splitlines()
    )
    assert "13800001234" not in logs and marker not in logs.replace(f"forged{marker}", "")
