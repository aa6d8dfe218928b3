"""The start page: what needs doing today (follow-ups due, recent calls), for staff; experts go to their cases."""

from __future__ import annotations

from aiohttp import web

from bot.console.calls import CallFilter
from bot.console.web import blocking, context, principal, render

routes = web.RouteTableDef()


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    me = principal(request)
    if me.role == "expert":
        raise web.HTTPSeeOther("/expert")
    if me.role == "editor":  # editors keep the knowledge; the hotline's calls are not theirs to see
        raise web.HTTPSeeOther("/knowledge")
    ctx = context(request)
    today = ctx.calls.today()
    due = await blocking(ctx.calls.due_follow_ups)
    recent = await blocking(ctx.calls.search, CallFilter(date_from=today, date_to=today), limit=20)
    return render(request, "home.html", due=due, recent=recent, today=today)
