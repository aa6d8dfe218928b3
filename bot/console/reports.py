"""The figures the province asks of the desk (policy measure 9: the hotline and the consultation service report
what they handled): per week, and over a chosen range, in the desk's own zone.

Weeks run Monday to Sunday in the desk's zone (Asia/Shanghai), so a call at 07:00 Beijing time on a Monday counts in
that Monday's week although it is still Sunday in UTC. A range that starts or ends mid-week has a shorter first or
last week, labelled with its real dates. Everything here reads only what the figures need (times, topics, counts,
keyed chat senders): no name, phone number or message text, which is why looking at the dashboard is not audited.

What each figure counts:
- hotline calls: `Call.received_at` in the week;
- chat questions: chat turns of kind answer, out_of_scope or escalation (one per user message, bot/desk/chatlog.py), and
  the distinct enterprises behind them (distinct keyed senders; over the range, distinct over the whole range);
- escalations: tickets opened in the week, from the hotline (channel "hotline") or from a chat (any other channel);
- SLA breaches: assignments an expert did not accept in time (`TicketEvent` "sla_expired", written by
  `Desk.check_sla`); a ticket passed on twice counts twice;
- time to first answer: hours from a ticket's opening to the expert's first answer, for tickets first answered in
  the week; median, and the 90th percentile by nearest rank (the smallest time that 90 % of answers met);
- satisfaction: the current rating of each ticket, counted in the week it was last rated.

Counting is done in SQL wherever it is plain (weeks are a CASE over UTC boundaries computed here, which both SQLite
and PostgreSQL evaluate alike); time differences and percentiles are taken in Python, where the two databases'
date arithmetic would otherwise differ.
"""

from __future__ import annotations

import math
import re
import statistics
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence, Union
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from bot.console.topics import NOT_TOPICS, topic_label
from bot.contracts import ReplyKind
from bot.desk.schema import Call, ChatTurn, Ticket, TicketEvent

DEFAULT_WEEKS = 12
#: The longest range one report covers: two years of weeks keeps the week CASE and the page reasonable.
MAX_DAYS = 2 * 366
CHAT_QUESTION_KINDS: tuple[ReplyKind, ...] = ("answer", "out_of_scope", "escalation")
SLA_BREACH = "sla_expired"
HOTLINE = "hotline"
RATINGS = (1, 2, 3, 4, 5)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FIRST_YEAR, _LAST_YEAR = 2000, 2099


class RangeError(ValueError):
    """A range the dashboard cannot show; the message is fit to show staff."""


@dataclass(frozen=True)
class DateRange:
    """Days `first` to `last`, both included, as dates in the desk's zone."""

    first: date
    last: date

    @classmethod
    def default(cls, today: date) -> "DateRange":
        """The last `DEFAULT_WEEKS` full weeks before the current one."""
        this_monday = today - timedelta(days=today.weekday())
        return cls(this_monday - timedelta(weeks=DEFAULT_WEEKS), this_monday - timedelta(days=1))

    @classmethod
    def parse(cls, query: Mapping[str, str], today: date) -> "DateRange":
        """`from` and `to` as ISO dates; either may be left out (no `to`: up to today; no `from`: the
        `DEFAULT_WEEKS` weeks that end with `to`'s week). Raises RangeError with a message in Chinese."""
        raw_first, raw_last = (str(query.get(name) or "").strip() for name in ("from", "to"))
        if not raw_first and not raw_last:
            return cls.default(today)
        last = _parse_day(raw_last, "截止日期") if raw_last else today
        if raw_first:
            first = _parse_day(raw_first, "起始日期")
        else:
            first = last - timedelta(days=last.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
        if first > last:
            raise RangeError(f"起始日期（{first.isoformat()}）不能晚于截止日期（{last.isoformat()}）。")
        if (last - first).days + 1 > MAX_DAYS:
            raise RangeError(f"统计区间最长 {MAX_DAYS} 天（约两年），请缩小范围。")
        return cls(first, last)

    def as_query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def mondays(self) -> list[date]:
        monday = self.first - timedelta(days=self.first.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.last - monday).days // 7 + 1)]

    def weeks(self) -> list[tuple[date, date]]:
        """Each week's first and last day within the range."""
        return [(max(m, self.first), min(m + timedelta(days=6), self.last)) for m in self.mondays()]


def parse_range(query: Mapping[str, str], today: date) -> tuple[DateRange, str | None]:
    """The range asked for, or the default range and what was wrong with the one asked for."""
    try:
        return DateRange.parse(query, today), None
    except RangeError as error:
        return DateRange.default(today), str(error)


def _parse_day(raw: str, label: str) -> date:
    shown = raw[:20]
    if not _ISO_DATE.match(raw):
        raise RangeError(f"{label}“{shown}”格式不对，请按 年-月-日 填写，例如 2026-11-23。")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise RangeError(f"{label}“{shown}”不是有效的日期。") from None
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise RangeError(f"{label}“{shown}”超出可统计的年份（{_FIRST_YEAR}–{_LAST_YEAR}）。")
    return day


@dataclass(frozen=True)
class Figures:
    """The figures of one week, or of the whole range."""

    first_day: date
    last_day: date
    calls: int = 0
    chat_questions: int = 0
    chat_enterprises: int = 0
    escalations_hotline: int = 0
    escalations_chat: int = 0
    sla_breaches: int = 0
    answered: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    #: How many ratings of 1, 2, 3, 4 and 5.
    ratings: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def escalations(self) -> int:
        return self.escalations_hotline + self.escalations_chat

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def mean_rating(self) -> float | None:
        if not self.rated:
            return None
        return sum(score * count for score, count in zip(RATINGS, self.ratings)) / self.rated


@dataclass(frozen=True)
class Category:
    """One topic, country or IP type and how often it came up, on the hotline and in the chat."""

    value: str
    label: str
    calls: int
    chats: int

    @property
    def total(self) -> int:
        return self.calls + self.chats


@dataclass(frozen=True)
class Report:
    period: DateRange
    zone: str
    weeks: tuple[Figures, ...]
    total: Figures
    topics: tuple[Category, ...] = field(default=())
    countries: tuple[Category, ...] = field(default=())
    ip_types: tuple[Category, ...] = field(default=())


#: The weekly figures in the order and with the names the page's table and the CSV give them.
WEEKLY_METRICS: tuple[tuple[str, str], ...] = (
    ("calls", "热线来电"),
    ("chat_questions", "在线咨询问题"),
    ("chat_enterprises", "在线咨询企业（去重）"),
    ("escalations_hotline", "转专家工单（热线）"),
    ("escalations_chat", "转专家工单（在线）"),
    ("escalations", "转专家工单（合计）"),
    ("sla_breaches", "超时未受理"),
    ("answered", "专家首次答复工单"),
    ("median_hours", "首次答复用时中位数（小时）"),
    ("p90_hours", "首次答复用时P90（小时）"),
    ("rated", "满意度评价"),
    ("mean_rating", "平均满意度（1–5分）"),
)


def shown(figures: Figures, metric: str, *, missing: str = "—") -> str:
    """A figure as the page and the CSV write it: counts whole, hours to one decimal, ratings to two."""
    value = getattr(figures, metric)
    if value is None:
        return missing
    if metric.endswith("_hours"):
        return f"{value:.1f}"
    if metric == "mean_rating":
        return f"{value:.2f}"
    return str(value)


def csv_rows(report: Report) -> list[list[Any]]:
    """The report as rows of 指标, 起, 止, 分类, 数值: every weekly figure week by week and then over the whole range
    (分类 “全区间”), the rating distribution likewise, then the topics, countries and IP types over the range (分类
    the category; hotline, chat and both counted as three figures). Long rather than wide, so that a spreadsheet's
    filter or pivot table gives any view of it."""
    first, last = report.period.first.isoformat(), report.period.last.isoformat()
    rows: list[list[Any]] = []
    for metric, label in WEEKLY_METRICS:
        rows += [
            [label, w.first_day.isoformat(), w.last_day.isoformat(), "", shown(w, metric, missing="")]
            for w in report.weeks
        ]
        rows.append([label, first, last, "全区间", shown(report.total, metric, missing="")])
    for index, score in enumerate(RATINGS):
        rows += [
            ["满意度评分分布", w.first_day.isoformat(), w.last_day.isoformat(), f"{score}分", w.ratings[index]]
            for w in report.weeks
        ]
        rows.append(["满意度评分分布", first, last, f"{score}分（全区间）", report.total.ratings[index]])
    for name, categories in (
        ("咨询主题", report.topics),
        ("国家/地区", report.countries),
        ("知识产权类型", report.ip_types),
    ):
        for suffix, attribute in (("合计", "total"), ("热线来电", "calls"), ("在线咨询", "chats")):
            rows += [[f"{name}（{suffix}）", first, last, c.label, getattr(c, attribute)] for c in categories]
    return rows


CSV_HEADER = ("指标", "起", "止", "分类", "数值")

Sessions = Union[Session, sessionmaker]


def build_report(sessions: Sessions, period: DateRange, zone: ZoneInfo) -> Report:
    """The figures of `period` (dates in `zone`), read in one session."""
    if isinstance(sessions, Session):
        return _Builder(sessions, period, zone).report()
    with sessions() as session:
        return _Builder(session, period, zone).report()


class _Builder:
    def __init__(self, session: Session, period: DateRange, zone: ZoneInfo) -> None:
        self.session = session
        self.period = period
        self.zone = zone
        self.week_days = period.weeks()
        # edges[i] is where week i starts (UTC); edges[-1] is where the range ends (exclusive).
        self.edges = [self._utc(first) for first, _ in self.week_days] + [self._utc(period.last + timedelta(days=1))]

    def _utc(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(timezone.utc)

    def report(self) -> Report:
        n = len(self.week_days)
        weekly: list[dict[str, Any]] = [{"ratings": [0] * len(RATINGS)} for _ in range(n)]

        for week, count in self._per_week(Call.received_at):
            weekly[week]["calls"] = count
        for week, count, senders in self._per_week(
            ChatTurn.at, where=[ChatTurn.kind.in_(CHAT_QUESTION_KINDS)], distinct=ChatTurn.sender_key
        ):
            weekly[week].update(chat_questions=count, chat_enterprises=senders)
        origin = case((Ticket.channel == HOTLINE, "hotline"), else_="chat")
        for week, where_from, count in self._per_week(Ticket.created_at, keys=[origin]):
            weekly[week][f"escalations_{where_from}"] = count
        for week, count in self._per_week(TicketEvent.at, where=[TicketEvent.action == SLA_BREACH]):
            weekly[week]["sla_breaches"] = count
        rated = (
            select(TicketEvent.ticket_id, func.max(TicketEvent.at).label("at"))
            .where(TicketEvent.action == "rated")
            .group_by(TicketEvent.ticket_id)
            .subquery()
        )
        for week, score, count in self._per_week(
            rated.c.at,
            keys=[Ticket.rating],
            where=[Ticket.rating.in_(RATINGS)],
            source=rated.join(Ticket, Ticket.id == rated.c.ticket_id),
        ):
            weekly[week]["ratings"][RATINGS.index(score)] = count

        answer_hours: list[list[float]] = [[] for _ in range(n)]
        for created_at, answered_at in self.session.execute(
            select(Ticket.created_at, Ticket.answered_at).where(*self._within(Ticket.answered_at))
        ):
            week = bisect_right(self.edges, answered_at) - 1
            answer_hours[week].append((answered_at - created_at).total_seconds() / 3600)

        weeks = tuple(
            Figures(first, last, **{**values, "ratings": tuple(values["ratings"])}, **_answer_times(answer_hours[i]))
            for i, ((first, last), values) in enumerate(zip(self.week_days, weekly))
        )
        all_senders = self.session.scalar(
            select(func.count(ChatTurn.sender_key.distinct())).where(
                ChatTurn.kind.in_(CHAT_QUESTION_KINDS), *self._within(ChatTurn.at)
            )
        )
        total = Figures(
            self.period.first,
            self.period.last,
            **{
                name: sum(getattr(w, name) for w in weeks)
                for name in ("calls", "chat_questions", "escalations_hotline", "escalations_chat", "sla_breaches")
            },
            chat_enterprises=all_senders or 0,
            ratings=tuple(sum(w.ratings[i] for w in weeks) for i in range(len(RATINGS))),  # type: ignore[arg-type]
            **_answer_times([hours for week in answer_hours for hours in week]),
        )
        return Report(
            period=self.period,
            zone=str(self.zone),
            weeks=weeks,
            total=total,
            topics=self._categories(Call.intent, ChatTurn.intent, label=topic_label, skip=NOT_TOPICS),
            countries=self._categories(Call.country, ChatTurn.country),
            ip_types=self._categories(Call.ip_type, ChatTurn.ip_type),
        )

    def _within(self, column: ColumnElement) -> list[ColumnElement]:
        return [column >= self.edges[0], column < self.edges[-1]]

    def _per_week(
        self,
        column: ColumnElement,
        *,
        keys: Sequence[ColumnElement] = (),
        where: Iterable[ColumnElement] = (),
        distinct: ColumnElement | None = None,
        source: FromClause | None = None,
    ) -> list[tuple[Any, ...]]:
        """(week index, *keys, row count[, distinct count of `distinct`]) for the rows whose `column` is in the range.

        The week is a CASE over the UTC edges of the weeks, worked out in an inner query and grouped on outside, so
        that no database has to group by a long expression with parameters in it."""
        week = case(*((column < edge, index) for index, edge in enumerate(self.edges[1:])))
        inner_columns = [week.label("week"), *(key.label(f"key{i}") for i, key in enumerate(keys))]
        if distinct is not None:
            inner_columns.append(distinct.label("counted"))
        inner = select(*inner_columns)
        if source is not None:
            inner = inner.select_from(source)
        inner = inner.where(*self._within(column), *where).subquery()
        group = [inner.c.week, *(inner.c[f"key{i}"] for i in range(len(keys)))]
        measures = [func.count()]
        if distinct is not None:
            measures.append(func.count(inner.c.counted.distinct()))
        return [tuple(row) for row in self.session.execute(select(*group, *measures).group_by(*group))]

    def _categories(
        self,
        call_column: ColumnElement,
        chat_column: ColumnElement,
        *,
        label: Any = None,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[Category, ...]:
        """How often each value came up in the range on the hotline and in the chat; most frequent first."""
        calls = dict(
            self.session.execute(
                select(call_column, func.count())
                .where(call_column.isnot(None), *self._within(Call.received_at))
                .group_by(call_column)
            ).all()
        )
        chats = dict(
            self.session.execute(
                select(chat_column, func.count())
                .where(chat_column.isnot(None), ChatTurn.kind.in_(CHAT_QUESTION_KINDS), *self._within(ChatTurn.at))
                .group_by(chat_column)
            ).all()
        )
        found = [
            Category(value, label(value) if label else value, calls.get(value, 0), chats.get(value, 0))
            for value in set(calls) | set(chats)
            if value and value not in skip
        ]
        return tuple(sorted(found, key=lambda c: (-c.total, c.label, c.value)))


def _answer_times(hours: list[float]) -> dict[str, Any]:
    if not hours:
        return {"answered": 0, "median_hours": None, "p90_hours": None}
    ordered = sorted(hours)
    return {
        "answered": len(ordered),
        "median_hours": statistics.median(ordered),
        "p90_hours": ordered[math.ceil(0.9 * len(ordered)) - 1],
    }
