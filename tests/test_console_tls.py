"""Issue 15, Medium 8: the console behind nginx with TLS (deploy/nginx/ipdesk-console.conf, a self-signed certificate
made here), on a real database (SQLite and PostgreSQL). Every form works — in headless Chromium too, which sends the
Origin it sees (https://…) — while a foreign origin is still refused and the session cookie is Secure."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bench.scratch import _wait_for_port
from bot.console.config import parse_networks
from bot.console.context import ConsoleContext
from bot.desk.schema import AuditEntry, Call
from tests.helpers.browser import ROOT, Browser, missing_browser
from tests.helpers.stack import free_port
from tests.helpers.console import PASSWORD, ConsoleServer

#: nginx and chromium are what the console runs behind and in: part of the stack, not of `make test-fast`.
pytestmark = pytest.mark.stack

TEMPLATE = ROOT / "deploy" / "nginx" / "ipdesk-console.conf"


@pytest.fixture()
def tls_proxy(tmp_path):
    """proxy(console_port) -> (https url, certificate): nginx with the shipped template and a fresh self-signed
    certificate for localhost, in front of the console."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is missing: apt-get install -y nginx", pytrace=False)
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    processes = []

    def start(console_port: int) -> tuple[str, Path]:
        port = free_port()
        site = TEMPLATE.read_text(encoding="utf-8")
        for name, value in {
            "listen": f"127.0.0.1:{port}",
            "server_name": "localhost",
            "certificate": str(certificate),
            "certificate_key": str(key),
            "console": f"127.0.0.1:{console_port}",
        }.items():
            site = site.replace("{{" + name + "}}", value)
        assert "{{" not in re.sub(r"#.*", "", site)
        directory = tmp_path / f"nginx-{port}"
        directory.mkdir()
        (directory / "console.conf").write_text(site, encoding="utf-8")
        (directory / "nginx.conf").write_text(
            f"pid {directory}/nginx.pid;\nerror_log {directory}/error.log warn;\nworker_processes 1;\n"
            "events { worker_connections 64; }\nhttp {\n    access_log off;\n"
            + "".join(
                f"    {kind}_temp_path {directory}/tmp-{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    include {directory}/console.conf;\n}}\n",
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [binary, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        _wait_for_port(port, 20, "nginx")
        return f"https://localhost:{port}", certificate

    yield start
    for process in processes:
        process.terminate()
        process.wait(15)


@pytest.fixture()
def console_behind(desk_engine, desk_clock, desk_settings, console_context, console_user):
    """console_behind(**settings) -> ConsoleServer: a console with these settings over the test database."""
    console_user("wang", "staff")
    servers = []

    def start(**changes) -> ConsoleServer:
        settings = dataclasses.replace(console_context.settings, port=free_port(), secure_cookies=True, **changes)
        server = ConsoleServer(
            ConsoleContext.build(settings, desk_settings, engine=desk_engine, clock=desk_clock), settings.port
        ).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def save_call(http: requests.Session, base: str, origin: str) -> requests.Response:
    page = http.get(base + "/calls/new", timeout=30)
    found = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    assert found, page.text[:500]
    token = found.group(1)
    return http.post(
        base + "/calls",
        timeout=60,
        allow_redirects=False,
        headers={"Origin": origin},
        data={"csrf_token": token, "company": "太原精密机械有限公司", "question": "337调查怎么应诉？"},
    )


@pytest.mark.parametrize("setting", ["trusted proxy", "public origin"])
def test_behind_nginx_with_tls_forms_work_and_a_foreign_origin_is_refused(tls_proxy, console_behind, setting):
    if setting == "trusted proxy":
        console = console_behind(trusted_proxies=parse_networks("127.0.0.1"))
        url, certificate = tls_proxy(console.ctx.settings.port)
    else:
        console = console_behind(public_origin="https://localhost:0")  # replaced once nginx has its port
        url, certificate = tls_proxy(console.ctx.settings.port)
        console.ctx.settings = dataclasses.replace(console.ctx.settings, public_origin=url)
    http = requests.Session()
    http.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over `verify`
    http.verify = str(certificate)
    login = http.get(url + "/login", timeout=30)
    found = re.search(r'name="csrf_token" value="([^"]*)"', login.text)
    assert found, login.text[:500]
    token = found.group(1)
    signed_in = http.post(
        url + "/login",
        data={"csrf_token": token, "username": "wang", "password": PASSWORD},
        headers={"Origin": url},
        allow_redirects=False,
        timeout=60,
    )
    assert signed_in.status_code == 303
    assert re.search(r"ipdesk_session=[^;]+;.*Secure", signed_in.headers["Set-Cookie"], re.I)
    saved = save_call(http, url, url)
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/calls/")
    assert save_call(http, url, "https://evil.example").status_code == 403
    assert save_call(http, url, url.replace("https:", "http:")).status_code == 403
    with console.ctx.sessions() as session:
        assert len(session.scalars(select(Call.id)).all()) == 1
        ips = set(session.scalars(select(AuditEntry.ip).where(AuditEntry.action == "sign_in")))
    assert ips == {"127.0.0.1"}


def test_in_chromium_behind_nginx_with_tls_a_call_is_saved(tls_proxy, console_behind, tmp_path):
    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    console = console_behind(trusted_proxies=parse_networks("127.0.0.1"))
    url, _ = tls_proxy(console.ctx.settings.port)
    browser = Browser(url, arguments=("--ignore-certificate-errors",))
    try:
        browser.sign_in("wang", PASSWORD)
        browser.open("/calls/new")
        browser.fill("#company", "太原精密机械有限公司")
        browser.fill("#question", "337调查怎么应诉？")
        browser.find("#save-call").click()
        browser.wait_for(".flash", text="已保存")
        assert re.search(r"/calls/\d+$", browser.driver.current_url)
    finally:
        browser.quit()
    with console.ctx.sessions() as session:
        assert len(session.scalars(select(Call.id)).all()) == 1


def test_the_environment_file_serves_the_console_behind_tls():
    """deploy/ipdesk.env.example sets what the console needs behind this proxy, and the console reads it."""
    from bot.console.config import ConsoleSettings

    example = (ROOT / "deploy" / "ipdesk.env.example").read_text(encoding="utf-8")
    active = dict(re.findall(r"^(IPDESK_CONSOLE_[A-Z_]+)=(.*)$", example, re.M))
    assert active["IPDESK_CONSOLE_SECURE_COOKIES"] == "true"
    assert active["IPDESK_CONSOLE_PUBLIC_ORIGIN"].startswith("https://")
    filled = {
        name: value.replace("<console host>", "console.example.org").replace("<random>", "x" * 32)
        for name, value in active.items()
    }
    settings = ConsoleSettings.from_environment(filled)
    assert settings.secure_cookies and settings.public_origin == "https://console.example.org"
    assert settings.trusted_proxies and settings.secret == "x" * 32
