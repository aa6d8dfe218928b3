"""The web chat's browser session: issued by the server, signed, expiring; a forged, edited, expired or foreign
cookie is no session at all (a new visitor), never another visitor's conversation."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from bot.channels.webchat.sessions import SessionSigner, load_or_create_key

KEY = b"k" * 32
DAY = 86400


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_server_issues_an_unguessable_sender_and_reads_its_own_cookie_back() -> None:
    signer = SessionSigner(KEY, 30 * DAY)
    sessions = [signer.new() for _ in range(200)]
    assert len({s.sender for s in sessions}) == 200
    assert all(s.sender.startswith("web:") and len(s.sender) >= 40 for s in sessions)
    cookie = signer.cookie_value(sessions[0])
    assert signer.read(cookie) == sessions[0]


def test_a_cookie_changed_in_any_byte_is_no_session() -> None:
    signer = SessionSigner(KEY, 30 * DAY)
    cookie = signer.cookie_value(signer.new())
    for position in range(len(cookie)):
        changed = cookie[:position] + ("A" if cookie[position] != "A" else "B") + cookie[position + 1 :]
        assert signer.read(changed) is None, position
    for broken in ("", ".", "abc", cookie + ".x", cookie.replace(".", ""), "é" * 10, "x" * 600):
        assert signer.read(broken) is None


def test_a_cookie_naming_another_visitors_sender_or_a_later_expiry_is_refused() -> None:
    signer = SessionSigner(KEY, 30 * DAY)
    mine, theirs = signer.new(), signer.new()
    encoded, signature = signer.cookie_value(mine).split(".")
    for body in (
        f"{theirs.sender}|{mine.expires}",
        f"{mine.sender}|{mine.expires + 365 * DAY}",
        "rest-user|9999999999",
    ):
        forged = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=") + "." + signature
        assert signer.read(forged) is None, body


def test_a_session_expires_and_is_renewed_while_in_use() -> None:
    clock = Clock()
    signer = SessionSigner(KEY, 30 * DAY, clock=clock)
    session = signer.new()
    cookie = signer.cookie_value(session)
    clock.now += 10 * DAY
    assert signer.read(cookie) == session and signer.renewed(session) is None  # plenty of life left
    clock.now += 10 * DAY
    renewed = signer.renewed(session)
    assert renewed is not None and renewed.sender == session.sender and renewed.expires > session.expires
    clock.now += 10 * DAY + 1
    assert signer.read(cookie) is None  # the old cookie is past its expiry
    assert signer.read(signer.cookie_value(renewed)) == renewed


def test_a_cookie_signed_with_another_key_is_refused() -> None:
    ours, theirs = SessionSigner(KEY, DAY), SessionSigner(b"o" * 32, DAY)
    assert ours.read(theirs.cookie_value(theirs.new())) is None
    with pytest.raises(ValueError):
        SessionSigner(b"short", DAY)


def test_the_generated_key_is_made_once_and_readable_by_its_owner_only(tmp_path) -> None:
    first = load_or_create_key(None, tmp_path)
    assert len(first) >= 32 and load_or_create_key(None, tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "webchat-secret").st_mode) == 0o600
    assert load_or_create_key("configured-secret-0123456789", tmp_path) == b"configured-secret-0123456789"
