"""One way to configure: every setting is read by one parser under one prefix, listed by `python -m bot settings`
and in deploy/ipdesk.env.example; the names before the prefix still work, with a warning."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot import settings
from bot.console.config import ConsoleSettings
from bot.settings import SETTINGS, DeskSettings, SettingsError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(settings, "_warned", set())


def test_the_env_example_lists_every_setting() -> None:
    example = (ROOT / "deploy" / "ipdesk.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?(IPDESK_[A-Z_]+)=", example, re.M))
    missing = {s.name for s in SETTINGS} - listed - {"IPDESK_REDIS_PASSWORD"}  # the launcher's own, never set by hand
    assert not missing


def test_every_variable_the_code_reads_is_a_listed_setting() -> None:
    read = set()
    for path in (ROOT / "bot").rglob("*.py"):
        read |= set(
            re.findall(r'(?:text|read|flag)\((?:env|os\.environ|environ), "([A-Z_]+)"', path.read_text("utf-8"))
        )
    assert read and read <= {s.name for s in SETTINGS}


def test_one_prefix_and_the_old_names_work_with_a_warning(caplog) -> None:
    new = DeskSettings.from_environment({"IPDESK_DESK_HOURS": "08:30-17:00", "IPDESK_DESK_SLA_URGENT_HOURS": "1.5"})
    assert (new.desk_opens, new.desk_closes, new.sla_urgent) == (time(8, 30), time(17), timedelta(hours=1.5))
    assert all(s.name.startswith("IPDESK_") for s in SETTINGS)
    with caplog.at_level(logging.WARNING, logger="bot.settings"):
        old = DeskSettings.from_environment({"DESK_HOURS": "08:30-17:00", "DATABASE_URL": "sqlite:///x.db"})
    assert (old.desk_opens, old.database_url) == (time(8, 30), "sqlite:///x.db")
    assert "DESK_HOURS is an old name: rename it IPDESK_DESK_HOURS" in caplog.text
    assert "DATABASE_URL is an old name: rename it IPDESK_DATABASE_URL" in caplog.text


def test_the_new_name_wins_over_the_old_one() -> None:
    both = DeskSettings.from_environment({"IPDESK_DESK_STAFF_CHANNEL": "telegram", "DESK_STAFF_CHANNEL": "email"})
    assert both.staff_channel == "telegram"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"IPDESK_DESK_HOURS": "nine to five"}, "IPDESK_DESK_HOURS"),
        ({"DESK_HOURS": "nine to five"}, "DESK_HOURS"),  # the old name, as the operator wrote it
        ({"IPDESK_DESK_TIMEZONE": "Mars/Olympus"}, "IPDESK_DESK_TIMEZONE"),
        ({"IPDESK_DESK_OUTBOX_MAX_ATTEMPTS": "0"}, "IPDESK_DESK_OUTBOX_MAX_ATTEMPTS"),
        ({"IPDESK_RETENTION_DAYS": "a year"}, "IPDESK_RETENTION_DAYS"),
    ],
)
def test_every_error_names_the_variable(env, named) -> None:
    with pytest.raises(SettingsError, match=rf"^{named}="):
        DeskSettings.from_environment(env)


@pytest.mark.parametrize(
    "env, named",
    [
        ({"IPDESK_CONSOLE_PORT": "eighty"}, "IPDESK_CONSOLE_PORT"),
        ({"IPDESK_CONSOLE_SECURE_COOKIES": "perhaps"}, "IPDESK_CONSOLE_SECURE_COOKIES"),
        ({"CONSOLE_MAX_SIGN_IN_FAILURES": "-3"}, "CONSOLE_MAX_SIGN_IN_FAILURES"),
    ],
)
def test_the_consoles_errors_name_the_variable_too(env, named) -> None:
    with pytest.raises(SettingsError, match=rf"^{named}="):
        ConsoleSettings.from_environment(env)


def test_python_m_bot_settings_lists_every_setting_and_masks_secrets() -> None:
    env = {"PATH": "/usr/bin:/bin", "IPDESK_RASA_TOKEN": "very-secret-token", "DESK_HOURS": "08:00-16:00"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "settings", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for setting in SETTINGS:
        assert setting.name in result.stdout
    assert "very-secret-token" not in result.stdout and "********" in result.stdout
    assert "08:00-16:00  (from DESK_HOURS, the old name)" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "settings", "--check"],
        cwd=ROOT,
        env={**env, "IPDESK_DESK_HOLIDAYS": "someday"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "IPDESK_DESK_HOLIDAYS" in bad.stderr
