"""What time it is, and the desk's working calendar.

Everything in the desk that depends on time (SLA deadlines, retries, leases, follow-ups, "a person will pick
this up at 09:00 on Monday") asks a `Clock` instead of calling `datetime.now()`, so the tests can move time
forward by a weekend in a microsecond and production runs on the system clock. All times are timezone-aware;
clocks speak UTC, and `DeskHours` converts to the desk's own zone (Asia/Shanghai) only where office hours
matter.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = timezone.utc


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


def require_aware(moment: datetime, what: str = "time") -> datetime:
    """`moment` in UTC; a naive datetime is refused because its zone would be a guess."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; safe to read from several threads."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "the clock's start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> datetime:
        with self._lock:
            self._now = require_aware(moment, "the clock's new time")
            return self._now


@dataclass(frozen=True)
class DeskHours:
    """When people staff the desk: daily hours on working days, in one time zone.

    Working days are `weekdays` (0 = Monday) minus `holidays`, plus `extra_workdays` (the weekend days China
    works to make up for a long holiday, 调休). The working day is the half-open interval [opens, closes).
    """

    opens: time
    closes: time
    zone: ZoneInfo
    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError(f"desk hours must open before they close, got {self.opens}-{self.closes}")
        if not self.weekdays and not self.extra_workdays:
            raise ValueError("the desk has no working days")

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def is_open(self, moment: datetime) -> bool:
        local = require_aware(moment).astimezone(self.zone)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when the desk is open then, else the next time it opens; in the desk's zone."""
        local = require_aware(moment).astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day):
            if self.opens <= local.time() < self.closes:
                return local
            if local.time() < self.opens:
                return self._at(day, self.opens)
        for _ in range(3 * 366):  # holidays never last years; the bound only guards a misconfiguration
            day += timedelta(days=1)
            if self.is_working_day(day):
                return self._at(day, self.opens)
        raise ValueError(f"no working day within three years after {local.date()}: check the holidays")

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of staffed time after `start` (evenings, weekends and holidays do not count)."""
        cursor = self.next_opening(start)
        remaining = duration
        while True:
            closing = self._at(cursor.date(), self.closes)
            available = closing - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(UTC)
            remaining -= available
            cursor = self.next_opening(closing)

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.zone)
