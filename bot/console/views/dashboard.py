"""The figures the province reports (policy measure 9): a page with charts and tables, and the same figures as CSV.

Only counts are shown, never who called or chatted, so opening the page is not audited; downloading the figures is,
like every export. Below the figures, the answers' quality per knowledge item (有帮助 / 没帮助, bot/desk/feedback.py),
the items to look at first on top.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.desk import audit
from bot.desk.feedback import item_quality
from bot.console.charts import PALETTE, Series, horizontal_bars, weekly_columns
from bot.console.csvexport import csv_response
from bot.console.reports import (
    CSV_HEADER,
    RATINGS,
    WEEKLY_METRICS,
    DateRange,
    Report,
    build_report,
    csv_rows,
    parse_range,
    shown,
)
from bot.console.web import blocking, context, error_page, principal, render, require

routes = web.RouteTableDef()
VIEWERS = ("staff", "admin")


@routes.get("/dashboard")
@require(*VIEWERS)
async def dashboard(request: web.Request) -> web.Response:
    ctx = context(request)
    today = _today(request)
    period, problem = parse_range(request.query, today)
    report = await blocking(build_report, ctx.sessions, period, ctx.desk_settings.hours.zone)
    quality = await blocking(_answer_quality, ctx, period)
    return render(
        request,
        "dashboard/index.html",
        quality=quality,
        report=report,
        problem=problem,
        range_query=period.as_query(),
        presets=_presets(today),
        metrics=WEEKLY_METRICS,
        shown=shown,
        charts=_charts(report),
        ratings=RATINGS,
    )


@routes.get("/dashboard.csv")
@require(*VIEWERS)
async def export_dashboard(request: web.Request) -> web.Response:
    ctx, me = context(request), principal(request)
    period, problem = parse_range(request.query, _today(request))
    if problem:  # an export of another range than the one asked for would be worse than none
        return error_page(request, 400, f"统计区间有误，未导出：{problem}")
    report = await blocking(build_report, ctx.sessions, period, ctx.desk_settings.hours.zone)

    def record() -> None:
        with ctx.sessions.begin() as session:
            audit.record(
                session,
                me,
                "export",
                at=ctx.clock.now(),
                object_type="dashboard",
                detail={**period.as_query(), "weeks": len(report.weeks)},
            )

    await blocking(record)
    return csv_response(
        f"统计报表_{period.first.isoformat()}_{period.last.isoformat()}.csv", CSV_HEADER, csv_rows(report)
    )


def _today(request: web.Request) -> date:
    ctx = context(request)
    return ctx.clock.now().astimezone(ctx.desk_settings.hours.zone).date()


def _presets(today: date) -> list[tuple[str, dict[str, str]]]:
    """Ranges staff ask for most: the default 12 full weeks, the last 4 and 52, and this year so far."""
    last = DateRange.default(today).last

    def weeks(n: int) -> dict[str, str]:
        return {"from": (last - timedelta(days=7 * n - 1)).isoformat(), "to": last.isoformat()}

    return [
        ("最近12周", {}),
        ("最近4周", weeks(4)),
        ("最近52周", weeks(52)),
        ("今年以来", {"from": date(today.year, 1, 1).isoformat(), "to": today.isoformat()}),
    ]


def _charts(report: Report) -> dict[str, Markup]:
    labels = [week.first_day.strftime("%m-%d") for week in report.weeks]
    weeks = report.weeks

    def categories(items: Any, title: str, colour: str) -> Markup:
        return horizontal_bars([(c.label, c.total) for c in items], title=title, colour=colour)

    return {
        "contacts": weekly_columns(
            labels,
            [
                Series("热线来电", [w.calls for w in weeks]),
                Series("在线咨询问题", [w.chat_questions for w in weeks]),
            ],
            title="每周热线来电与在线咨询问题",
        ),
        "escalations": weekly_columns(
            labels,
            [
                Series("转专家（热线）", [w.escalations_hotline for w in weeks]),
                Series("转专家（在线）", [w.escalations_chat for w in weeks]),
                Series("超时未受理", [w.sla_breaches for w in weeks], colour=PALETTE[3]),
            ],
            title="每周转专家工单与超时未受理",
        ),
        "topics": categories(report.topics, "咨询主题（前10）", PALETTE[0]),
        "countries": categories(report.countries, "国家/地区（前10）", PALETTE[1]),
        "ip_types": categories(report.ip_types, "知识产权类型（前10）", PALETTE[2]),
        "ratings": horizontal_bars(
            [(f"{score}分", report.total.ratings[score - 1]) for score in reversed(RATINGS)],
            title="满意度评分分布",
            colour=PALETTE[2],
        ),
    }


#: The answers table shows this many items (the ones to look at first, then the most used).
QUALITY_ROWS = 30
#: "Lately" in the answers table: the last four weeks of the range.
RECENT = timedelta(weeks=4)


def _answer_quality(ctx: Any, period: DateRange) -> list[dict[str, Any]]:
    """Per item: how often it was the answer, 有帮助 / 没帮助 over the range and lately, its title and last comment."""
    zone = ctx.desk_settings.hours.zone
    start = datetime.combine(period.first, time.min, tzinfo=zone)
    end = datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=zone)
    overall = item_quality(ctx.sessions, start, end)[:QUALITY_ROWS]
    lately = {q.item_id: q for q in item_quality(ctx.sessions, max(start, end - RECENT), end)}
    kb = ctx.knowledge.get()
    rows = []
    for quality in overall:
        item = kb.get(quality.item_id)
        recent = lately.get(quality.item_id)
        rows.append(
            {
                "quality": quality,
                "title": item.title.zh if item is not None else "（已不在知识库中）",
                "recent_rate": recent.rate if recent is not None else None,
            }
        )
    return rows
