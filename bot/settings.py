"""The desk's settings, read once from the environment.

Every knob has a default that suits the provincial desk (desk hours 09:00–17:30, Monday to Friday, Beijing
time; an urgent case must be accepted within 2 hours, a normal one within 2 working days), so a fresh
checkout runs with no configuration. A malformed value stops the process at start with the variable's name,
rather than surfacing as a wrong deadline weeks later.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Callable, Mapping, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import DeskHours

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'desk.db'}"

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable holds a value the desk cannot use."""


@dataclass(frozen=True)
class DeskSettings:
    database_url: str = DEFAULT_DATABASE_URL
    sla_urgent: timedelta = timedelta(hours=2)
    sla_normal_working_days: int = 2
    desk_opens: time = time(9, 0)
    desk_closes: time = time(17, 30)
    desk_timezone: str = "Asia/Shanghai"
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    follow_up_delay: timedelta = timedelta(days=7)
    outbox_max_attempts: int = 8
    outbox_base_backoff: timedelta = timedelta(seconds=30)
    outbox_max_backoff: timedelta = timedelta(hours=1)
    #: How long a worker owns a message it is delivering; a worker that dies mid-delivery leaves it to another
    #: after this long.
    outbox_lease: timedelta = timedelta(seconds=60)
    # Where staff alerts go (urgent cases, nobody to assign, missed SLAs): an outbox channel and recipient
    # that the deployment gives a sender, e.g. a Telegram group of the hotline staff.
    staff_channel: str = "staff"
    staff_recipient: str = "hotline"
    # How long personal data (callers, contacts, transcripts) is kept after a case or call ends; the chat's privacy
    # notice states it and `python -m bot.console purge` anonymises what is older.
    retention_days: int = 730
    # Who enterprises at a fair abroad reach on site (measure 5's 展中驻会服务), told when the fair opens unless staff
    # set a contact for that fair in the console; without either, the message points to the chat's expert desk.
    fair_contact: str | None = None
    hours: DeskHours = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.sla_urgent <= timedelta(0) or self.sla_normal_working_days <= 0:
            raise SettingsError("SLA durations must be positive")
        if self.outbox_max_attempts <= 0 or self.outbox_base_backoff <= timedelta(0) or self.outbox_lease <= timedelta(0):
            raise SettingsError("outbox attempts, backoff and lease must be positive")
        try:
            zone = ZoneInfo(self.desk_timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SettingsError(
                f"unknown time zone {self.desk_timezone!r} (is the system's or the tzdata package's zone data installed?)"
            ) from error
        try:
            hours = DeskHours(self.desk_opens, self.desk_closes, zone, holidays=self.holidays,
                              extra_workdays=self.extra_workdays)
        except ValueError as error:
            raise SettingsError(str(error)) from error
        object.__setattr__(self, "hours", hours)

    @property
    def sla_normal(self) -> timedelta:
        """Two working days as staffed time: two full desk days."""
        return self.hours.day_length * self.sla_normal_working_days

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "DeskSettings":
        env = os.environ if env is None else env
        opens, closes = _read(env, "DESK_HOURS", _parse_hours, (cls.desk_opens, cls.desk_closes))
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            sla_urgent=timedelta(hours=_read(env, "DESK_SLA_URGENT_HOURS", _positive(float), 2.0)),
            sla_normal_working_days=_read(env, "DESK_SLA_NORMAL_WORKING_DAYS", _positive(int), cls.sla_normal_working_days),
            desk_opens=opens,
            desk_closes=closes,
            desk_timezone=env.get("DESK_TIMEZONE") or cls.desk_timezone,
            holidays=_read(env, "DESK_HOLIDAYS", _parse_dates, frozenset()),
            extra_workdays=_read(env, "DESK_EXTRA_WORKDAYS", _parse_dates, frozenset()),
            follow_up_delay=timedelta(days=_read(env, "DESK_FOLLOW_UP_DAYS", _positive(float), 7.0)),
            outbox_max_attempts=_read(env, "DESK_OUTBOX_MAX_ATTEMPTS", _positive(int), cls.outbox_max_attempts),
            outbox_base_backoff=timedelta(seconds=_read(env, "DESK_OUTBOX_BACKOFF_SECONDS", _positive(float), 30.0)),
            outbox_lease=timedelta(seconds=_read(env, "DESK_OUTBOX_LEASE_SECONDS", _positive(float), 60.0)),
            staff_channel=env.get("DESK_STAFF_CHANNEL") or cls.staff_channel,
            staff_recipient=env.get("DESK_STAFF_RECIPIENT") or cls.staff_recipient,
            retention_days=_read(env, "IPDESK_RETENTION_DAYS", _positive(int), cls.retention_days),
            fair_contact=(env.get("DESK_FAIR_CONTACT") or "").strip() or None,
        )


def _read(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError as error:
        raise SettingsError(f"{name}={raw!r}: {error}") from error


def _positive(kind: Callable[[str], T]) -> Callable[[str], T]:
    def parse(raw: str) -> T:
        value = kind(raw)
        if value <= 0:  # type: ignore[operator]
            raise ValueError("must be greater than zero")
        return value
    return parse


def _parse_hours(raw: str) -> tuple[time, time]:
    """"09:00-17:30" → (09:00, 17:30)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ValueError('expected opening and closing times like "09:00-17:30"') from None
    if start >= end:
        raise ValueError("the desk must open before it closes")
    return start, end


def _parse_dates(raw: str) -> frozenset[date]:
    """"2026-10-01,2026-10-02" → the dates; each must be an ISO date."""
    days = set()
    for part in raw.split(","):
        if part.strip():
            try:
                days.add(date.fromisoformat(part.strip()))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(days)
