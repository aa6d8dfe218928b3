"""Issue 15, the console's part, on a real server and database (SQLite and PostgreSQL): sign-in throttling that slows
guessers without locking anyone out (and counts concurrent tries one by one), the client's address and the public
origin taken from a proxy only when it is trusted, input that used to break pages (nested JSON, ids and dates out of
range), refusals in the audit trail, and a signed flash banner."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from bot.console.context import ConsoleContext
from bot.console.config import parse_networks
from bot.console.web import FLASH_COOKIE, sign_flash
from bot.desk.schema import AuditEntry, Call, SignInAttempt
from tests.helpers.stack import free_port
from tests.helpers.console import PASSWORD, ConsoleClient, ConsoleServer, open_ticket


def audit_actions(console, **where) -> list[str]:
    with console.ctx.sessions() as session:
        query = select(AuditEntry.action).order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(session.scalars(query))


@pytest.fixture()
def serve(desk_engine, desk_clock, desk_settings, console_context):
    """serve(**settings) -> ConsoleServer: another console over the same database with these settings changed."""
    servers = []

    def start(**changes) -> ConsoleServer:
        settings = dataclasses.replace(console_context.settings, port=free_port(), **changes)
        ctx = ConsoleContext.build(
            settings, desk_settings, engine=desk_engine, clock=desk_clock, knowledge=console_context.knowledge
        )
        server = ConsoleServer(ctx, settings.port).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def sign_in_raw(console, username: str, password: str, headers: dict[str, str] | None = None) -> requests.Response:
    """One sign-in as a browser sends it (the login page first, for its CSRF cookie), without following the redirect."""
    http = requests.Session()
    page = http.get(console.url + "/login", timeout=30, headers=headers)
    token = http.cookies.get("ipdesk_login_csrf")
    assert token and token in page.text
    return http.post(
        console.url + "/login",
        data={"csrf_token": token, "username": username, "password": password},
        headers=headers,
        timeout=60,
        allow_redirects=False,
    )


# --------------------------------------------------------------------------------------------------------------
# Throttling (Medium 4)


def test_twelve_concurrent_wrong_passwords_get_exactly_the_free_tries(console, console_user):
    console_user("wang", "admin")
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def guess(n: int) -> None:
        http = requests.Session()
        http.get(console.url + "/login", timeout=30)
        token = http.cookies.get("ipdesk_login_csrf")
        barrier.wait()
        response = http.post(
            console.url + "/login",
            timeout=60,
            allow_redirects=False,
            data={"csrf_token": token, "username": "wang", "password": f"wrong-guess-{n:04d}"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [401] * 12
    actions = audit_actions(console, object_id="wang")
    assert actions.count("sign_in_failed") == console.ctx.settings.max_failures == 5  # not six
    assert actions.count("sign_in_throttled") == 7
    with console.ctx.sessions() as session:
        assert len(session.scalars(select(SignInAttempt.id).where(SignInAttempt.username == "wang")).all()) == 5


def test_after_the_free_tries_each_failure_doubles_the_wait_and_the_owner_gets_in_after_it(
    console, console_user, desk_clock
):
    console_user("wang", "admin")
    for _ in range(5):
        assert "用户名或密码不正确" in sign_in_raw(console, "wang", "guess-guess-guess").text
    refused = sign_in_raw(console, "wang", PASSWORD)
    assert refused.status_code == 401 and "尝试次数过多，请 1 秒后再试" in refused.text
    desk_clock.advance(timedelta(seconds=1))
    assert "用户名或密码不正确" in sign_in_raw(console, "wang", "guess-guess-guess").text  # the sixth try
    assert "请 2 秒后再试" in sign_in_raw(console, "wang", PASSWORD).text
    desk_clock.advance(timedelta(seconds=2))
    assert "用户名或密码不正确" in sign_in_raw(console, "wang", "guess-guess-guess").text
    assert "请 4 秒后再试" in sign_in_raw(console, "wang", PASSWORD).text
    for _ in range(12):  # a patient guesser: the wait doubles up to the cap (15 minutes), never beyond
        desk_clock.advance(timedelta(minutes=15))
        sign_in_raw(console, "wang", "guess-guess-guess")
    assert "请 15 分钟后再试" in sign_in_raw(console, "wang", PASSWORD).text
    desk_clock.advance(timedelta(minutes=15))
    assert sign_in_raw(console, "wang", PASSWORD).status_code == 303  # no hard lock: the owner is in
    assert sign_in_raw(console, "wang", "guess-guess-guess").status_code == 401  # and a success starts afresh
    assert "用户名或密码不正确" in sign_in_raw(console, "wang", "guess-guess-guess").text


def test_a_guesser_elsewhere_neither_locks_the_admin_out_of_their_office_nor_the_office_out(serve, console_user):
    """Behind the trusted proxy: the admin signs in from the office (198.51.100.7); a guesser at 203.0.113.9 fails
    twenty times on the admin's name and on others'. The admin still signs in from the office at once, and so does
    a colleague behind the office's NAT after someone there failed twenty times; the guesser is slowed down."""
    console = serve(trusted_proxies=parse_networks("127.0.0.1"))
    console_user("wang", "admin")
    console_user("liu", "staff")
    office, guesser = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "203.0.113.9"}
    assert sign_in_raw(console, "wang", PASSWORD, office).status_code == 303
    assert sign_in_raw(console, "liu", PASSWORD, office).status_code == 303
    for n in range(20):
        sign_in_raw(console, "wang" if n % 2 else f"user{n}", "guess-guess-guess", guesser)
    assert "尝试次数过多" in sign_in_raw(console, "wang", PASSWORD, guesser).text
    assert sign_in_raw(console, "wang", PASSWORD, office).status_code == 303
    for n in range(20):  # someone in the office guesses away
        sign_in_raw(console, f"other{n}", "guess-guess-guess", office)
    assert sign_in_raw(console, "liu", PASSWORD, office).status_code == 303  # a colleague known there gets in
    assert "尝试次数过多" in sign_in_raw(console, "new.person", "guess-guess-guess", office).text


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(serve, console_user):
    console_user("wang", "staff")
    spoofed = {"X-Forwarded-For": "203.0.113.50"}
    untrusted = serve()  # no proxy configured: the header is the client's claim, and ignored
    assert sign_in_raw(untrusted, "wang", "guess-guess-guess", spoofed).status_code == 401
    proxied = serve(trusted_proxies=parse_networks("127.0.0.0/8"))
    # nginx appends the peer it saw to what the client claimed: only the address the trusted proxy added counts
    chain = {"X-Forwarded-For": "10.9.9.9, 203.0.113.50"}
    assert sign_in_raw(proxied, "wang", "guess-guess-guess", chain).status_code == 401
    with untrusted.ctx.sessions() as session:
        ips = session.scalars(
            select(AuditEntry.ip).where(AuditEntry.action == "sign_in_failed").order_by(AuditEntry.id)
        ).all()
    assert ips == ["127.0.0.1", "203.0.113.50"]


# --------------------------------------------------------------------------------------------------------------
# The origin check behind a proxy (Medium 8; tests/test_console_tls.py runs it behind nginx with TLS)


def test_behind_a_tls_proxy_posts_from_the_public_origin_pass_and_foreign_ones_do_not(serve, console_user):
    console_user("wang", "staff")
    configured = serve(public_origin="https://console.example.org")
    trusting = serve(trusted_proxies=parse_networks("127.0.0.1"))
    plain = serve()
    form = {"company": "太原精密机械有限公司", "question": "337调查怎么应诉？", "channel": "phone"}

    def post(server, headers) -> int:
        client = ConsoleClient(server.url)
        assert client.sign_in("wang").status == 200
        client.get("/calls/new")
        response = client.http.post(
            server.url + "/calls",
            data={"csrf_token": client.csrf, **form},
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code != 303 or response.headers["Location"].startswith(
            "/calls/"
        )  # saved, not sent to sign in
        return response.status_code

    tls = {
        "Origin": "https://console.example.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "console.example.org",
    }
    assert post(configured, {"Origin": "https://console.example.org"}) == 303
    assert post(configured, {"Origin": configured.url}) == 403  # the internal address is not the public origin
    assert post(trusting, tls) == 303  # what the trusted proxy forwards is the origin
    assert post(trusting, {**tls, "Origin": "https://evil.example"}) == 403
    assert post(plain, tls) == 403  # from an untrusted peer, X-Forwarded-Proto and -Host are not believed
    assert post(plain, {"Origin": plain.url}) == 303  # and without a proxy the request's own origin is it
    with plain.ctx.sessions() as session:
        assert len(session.scalars(select(Call.id)).all()) == 3


# --------------------------------------------------------------------------------------------------------------
# Low items


@pytest.fixture()
def staff(console, console_user, browser_client):
    console_user("wang", "admin")
    browser_client.sign_in("wang")
    return browser_client


def test_json_nested_too_deep_is_a_400_not_a_500(console, staff):
    response = staff.http.post(
        console.url + "/api/suggest",
        data="[" * 60_000,
        headers={"X-CSRF-Token": staff.csrf, "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 400 and response.json() == {"error": "请求格式应为 JSON"}
    assert staff.api("/api/suggest", {"question": "337调查"}).status_code == 200  # and the console goes on


@pytest.mark.parametrize("path", ["/calls/99999999999999999999", "/calls/2147483648"])
def test_an_id_out_of_range_is_a_404(console, staff, path):
    assert staff.get(path).status == 404


def test_posts_to_ids_out_of_range_are_404s(console, staff):
    staff.get("/admin/users")
    assert staff.post("/calls/99999999999999999999/answer", {"answer": "x"}).status == 404
    assert staff.post("/calls/9999999999/follow-up", {"notes": "x"}).status == 404
    assert staff.post("/admin/users/99999999999999999999/password", {"password": "a-new-password-1"}).status == 404
    assert staff.post("/admin/users/4294967296/active", {"active": "0"}).status == 404


@pytest.mark.parametrize("path", ["/calls", "/tickets", "/admin/audit"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_range_is_a_400_that_says_so(console, staff, path, day):
    page = staff.get(path, date_from=day, date_to=day)
    assert page.status == 400 and "超出范围" in page.text
    assert staff.raw_get(path + ".csv", date_from=day).status_code == 400
    assert staff.get(path, date_from="2026-11-01").status == 200


def test_an_expert_probing_another_experts_case_leaves_an_audit_entry(
    console, desk, add_expert, console_user, browser_client
):
    zhao = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    sun = add_expert("孙律师", ip_types=["商标"], countries=["欧盟"])
    console_user("zhao", "expert", expert_id=zhao)
    console_user("sun", "expert", expert_id=sun)
    theirs = open_ticket(desk, "运城果业有限公司", "13900000012", country="欧盟", ip_type="商标")
    browser_client.sign_in("zhao")
    assert browser_client.get(f"/expert/tickets/{theirs}").status == 404
    assert browser_client.get("/expert/tickets/SX-19990101-0001").status == 404
    assert browser_client.post(f"/expert/tickets/{theirs}/accept").status == 404
    assert browser_client.get("/tickets").status == 403
    with console.ctx.sessions() as session:
        refused = session.execute(
            select(AuditEntry.username, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail)
            .where(AuditEntry.action == "refused")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(row) for row in refused] == [
        ("zhao", "ticket", theirs, {"doing": "view"}),
        ("zhao", "ticket", "SX-19990101-0001", {"doing": "view"}),
        ("zhao", "ticket", theirs, {"doing": "accept"}),
        ("zhao", "page", "/tickets", {"method": "GET"}),
    ]


def test_the_flash_banner_shows_only_what_the_console_signed(console, staff):
    staff.http.cookies.set(FLASH_COOKIE, "%E8%AF%B7%E8%87%B4%E7%94%B5400-000-0000%E6%A0%B8%E5%AE%9E", path="/")
    assert "请致电400-000-0000核实" not in staff.get("/calls").text  # unsigned: not shown
    forged = sign_flash("not-the-consoles-key-at-all", "请致电400-000-0000核实")
    staff.http.cookies.set(FLASH_COOKIE, forged, path="/")
    assert "请致电400-000-0000核实" not in staff.get("/calls").text
    page = staff.post("/logout")  # the console's own message still shows
    assert "已退出登录" in page.text
