"""The launcher keeps the services up: one that dies after start-up is started again with backoff and a line that
says so, the others go on untouched, and everything stops only on request (issue 15, reliability 9)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from bot.processes.launcher import Service, Stack, serve


def count(starts) -> int:
    return len(starts.read_text()) if starts.exists() else 0


def test_a_service_that_dies_is_started_again_and_the_others_go_on(tmp_path, capsys) -> None:
    starts = tmp_path / "starts"
    crashing = Service(
        "crashing worker",
        [
            sys.executable,
            "-c",
            f"open({str(starts)!r}, 'a').write('x'); import time; time.sleep(0.3); raise SystemExit(3)",
        ],
        None,
    )
    steady = Service("steady server", [sys.executable, "-c", "import time; time.sleep(60)"], None)
    stack = Stack([crashing, steady], log_dir=tmp_path / "logs")
    stack.start(timeout=30)
    steady_pid = steady.started.pid
    stop = threading.Event()
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(serve(stack, "up", stop)))
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while count(starts) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count(starts) >= 3  # started again, and again
        assert steady.started.pid == steady_pid and steady.started.poll() is None  # never touched
    finally:
        stop.set()
        runner.join(30)
    assert result == [0]
    assert steady.started.poll() is not None and crashing.started.poll() is not None
    err = capsys.readouterr().err
    assert "crashing worker stopped (exit code 3); starting it again in 1 s" in err
    assert "starting it again in 2 s" in err  # backoff
    assert "steady server stopped" not in err


@pytest.mark.stack  # runs nginx, as `make run` behind the cluster does
def test_nginx_limits_each_address_on_the_chat_entry(tmp_path) -> None:
    import shutil
    import subprocess

    from bot.processes.cluster import nginx_conf

    conf = nginx_conf(
        ["127.0.0.1:1"],
        ["127.0.0.1:2"],
        public_listen="127.0.0.1:1",
        internal_listen="127.0.0.1:3",
        actions_listen="127.0.0.1:4",
        chat_rate=7,
        chat_burst=9,
    )
    assert "limit_req_zone $binary_remote_addr zone=ipdesk_chat:10m rate=7r/s;" in conf
    assert "limit_req zone=ipdesk_chat burst=9 nodelay;" in conf and "limit_req_status 429;" in conf
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    (tmp_path / "logs").mkdir()
    (tmp_path / "ipdesk.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log; events {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/cb; proxy_temp_path {tmp_path}/p; "
        f"fastcgi_temp_path {tmp_path}/f; uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s; "
        f"include {tmp_path}/ipdesk.conf; }}\n"
    )
    checked = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_rasa_servers_token_goes_through_the_environment_not_the_command_line(tmp_path) -> None:
    from bot.processes.launcher import Settings, action_server, rasa_server
    from bot.runtime.server import rasa_arguments

    settings = Settings(
        var_dir=tmp_path, rasa_token="-rasa" + "-token-0123456789", actions_token="actions-token-0123456789"
    )
    for service in (rasa_server(settings), action_server(settings)):
        assert not any("token-0123456789" in part for part in service.command), service.command
        assert service.env is not None
        assert service.env["IPDESK_RASA_TOKEN"] == settings.rasa_token
        assert service.env["IPDESK_ACTIONS_TOKEN"] == settings.actions_token
    assert rasa_arguments(["run", "--enable-api"], {"IPDESK_RASA_TOKEN": "-t"}) == [
        "run",
        "--enable-api",
        "--auth-token=-t",
    ]
    assert "${IPDESK_ACTIONS_TOKEN}" in settings.endpoints_file().read_text()
    assert "actions-token" not in settings.endpoints_file().read_text()
