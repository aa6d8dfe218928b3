"""The Telegram worker's configuration: everything from the environment, nothing secret in the repository, and
`make run` starting the worker only when a bot token is set."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError
from bot.processes.launcher import Settings, all_services
from bot.channels.telegram.config import TelegramSettings

ROOT = Path(__file__).resolve().parent.parent
BASE = {"TELEGRAM_BOT_TOKEN": "123456:ABC-secret", "RASA_TOKEN": "rasa-secret"}


def test_polling_against_telegram_is_the_default() -> None:
    settings = TelegramSettings.from_environment(BASE)
    assert (settings.mode, settings.base_url, settings.rasa_url) == (
        "polling",
        "https://api.telegram.org",
        "http://127.0.0.1:5005",
    )
    assert "ABC-secret" not in repr(settings) and "rasa-secret" not in repr(settings)


def test_a_local_bot_api_server_can_stand_in() -> None:
    settings = TelegramSettings.from_environment({**BASE, "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/"})
    assert settings.base_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    "env, problem",
    [
        ({"RASA_TOKEN": "x"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:a"}, "RASA_TOKEN"),
        ({**BASE, "TELEGRAM_MODE": "carrier-pigeon"}, "TELEGRAM_MODE"),
        ({**BASE, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "s"}, "TELEGRAM_WEBHOOK_URL"),
        (
            {
                **BASE,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook",
                "TELEGRAM_WEBHOOK_SECRET": "s",
            },
            "TELEGRAM_WEBHOOK_URL",
        ),
        (
            {**BASE, "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                **BASE,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook",
                "TELEGRAM_WEBHOOK_SECRET": "not allowed!",
            },
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({**BASE, "TELEGRAM_POLL_TIMEOUT": "soon"}, "TELEGRAM_POLL_TIMEOUT"),
    ],
)
def test_a_missing_or_malformed_setting_stops_the_worker_with_its_name(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        TelegramSettings.from_environment(env)


def test_the_webhook_listens_on_the_path_of_its_public_address() -> None:
    settings = TelegramSettings.from_environment(
        {
            **BASE,
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook-1",
            "TELEGRAM_WEBHOOK_SECRET": "abc_DEF-123",
        }
    )
    assert settings.webhook_path == "/tg/hook-1"


def test_the_worker_without_a_token_says_what_is_missing(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.channels.telegram"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "IPDESK_VAR_DIR": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_make_run_starts_the_telegram_worker_only_when_a_token_is_set(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("IPDESK_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert "Telegram worker" not in [s.name for s in all_services(Settings.from_environment())]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC")
    services = {s.name: s for s in all_services(Settings.from_environment())}
    worker = services["Telegram worker"]
    assert worker.command[-2:] == ["-m", "bot.channels.telegram"] and (worker.env or {})["IPDESK_VAR_DIR"] == str(
        tmp_path
    )
    # the tests' own stack is built in code and never serves a real bot, whatever the environment says
    assert "Telegram worker" not in [s.name for s in all_services(Settings(var_dir=tmp_path))]


def test_no_bot_token_is_kept_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    token = re.compile(r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b")  # the shape of a real token from @BotFather
    for name in tracked + untracked:
        path = ROOT / name
        if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".md", ".toml", ".env", ".cfg", ".ini", ".txt"}:
            assert not token.search(path.read_text(errors="replace")), f"{name} holds what looks like a bot token"
