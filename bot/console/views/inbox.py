"""The staff inbox: what the hotline must do by hand.

Callers whose ticket came from a call have no chat to receive the expert's answer, so the desk's messages to them
wait here ("hotline" channel) until staff phone them and say so; staff alerts (urgent case, nobody to assign, a
missed SLA) wait here too. Beside them, the follow-ups that are due: calls staff promised to ring back, and closed
tickets whose follow-up has not gone out.
"""

from __future__ import annotations

from aiohttp import web

from bot.console.views.tickets import LABELS, board
from bot.console.web import blocking, context, principal, redirect, render, require
from bot.desk.tickets import DeskError

routes = web.RouteTableDef()
STAFF = ("staff", "admin")


@routes.get("/inbox")
@require(*STAFF)
async def inbox(request: web.Request) -> web.Response:
    tickets = board(request)
    callbacks = await blocking(tickets.callbacks)
    alerts = await blocking(tickets.alerts)
    ticket_follow_ups = await blocking(tickets.follow_ups_due)
    call_follow_ups = await blocking(context(request).calls.due_follow_ups)
    return render(
        request,
        "inbox/inbox.html",
        callbacks=callbacks,
        alerts=alerts,
        ticket_follow_ups=ticket_follow_ups,
        call_follow_ups=call_follow_ups,
        **LABELS,
    )


@routes.post("/inbox/{id:\\d{1,9}}/acknowledge")
@require(*STAFF)
async def acknowledge(request: web.Request) -> web.StreamResponse:
    message_id = int(request.match_info["id"])
    try:
        message = await blocking(board(request).acknowledge, message_id, principal(request))
    except DeskError as error:
        already = error.code == "wrong_state"
        raise redirect("/inbox", flash="这条待办已经处理过了（可能同事刚刚处理）。" if already else "没有这条待办。")
    done = "已记录：已电话告知来电人。" if message.channel == "hotline" else "提醒已处理。"
    raise redirect("/inbox", flash=done)
