"""The expert's own cases: the list, one case, and accepting, declining and answering it.

An expert sees only the tickets the desk has put with them. Any other number — another expert's case or one that
does not exist — gets the same 404, so the page never tells whether a ticket exists, and the try is audited. The
enterprise's contact is masked, in the facts and in the description and transcript: experts answer through the
desk, whose outbox carries the answer on the channel the enterprise came from. Only when the enterprise agreed to
be contacted by the expert who accepted its case does that expert see it in clear (an audited view).
"""

from __future__ import annotations

from aiohttp import web

from bot.desk.privacy import mask_contact
from bot.console.tickets import TicketFormError, clean_answer, clean_reason, desk_problem
from bot.console.views.tickets import LABELS, NUMBER, board
from bot.console.web import TICKET_STATUS_LABELS, blocking, context, error_page, principal, redirect, render, require
from bot.desk.tickets import DeskError

routes = web.RouteTableDef()
NOT_YOURS = "没有找到这个案件，或它已不在您名下。"


@routes.get("/expert")
@require("expert")
async def my_cases(request: web.Request) -> web.Response:
    me = principal(request)
    cases = await blocking(board(request).expert_cases, me.expert_id)
    return render(request, "expert/list.html", cases=cases, now=context(request).clock.now())


@routes.get(f"/expert/tickets/{NUMBER}")
@require("expert")
async def show_case(request: web.Request) -> web.Response:
    return await _case_page(request)


@routes.post(f"/expert/tickets/{NUMBER}/accept")
@require("expert")
async def accept(request: web.Request) -> web.StreamResponse:
    number, me = request.match_info["number"].upper(), principal(request)
    if not await _owns(request, number):
        return error_page(request, 404, NOT_YOURS)
    try:
        await blocking(context(request).desk.accept, number, me.expert_id)
    except DeskError as error:
        raise redirect(_back(number, error), flash=desk_problem(error, "受理", TICKET_STATUS_LABELS))
    await blocking(board(request).record_move, me, "accept", number, {})
    raise redirect(f"/expert/tickets/{number}", flash="已受理。企业会收到受理通知；请在下方填写答复。")


@routes.post(f"/expert/tickets/{NUMBER}/decline")
@require("expert")
async def decline(request: web.Request) -> web.StreamResponse:
    number, me = request.match_info["number"].upper(), principal(request)
    if not await _owns(request, number):
        return error_page(request, 404, NOT_YOURS)
    form = await request.post()
    try:
        reason = clean_reason(str(form.get("reason") or ""))
        await blocking(context(request).desk.decline, number, me.expert_id, reason)
    except TicketFormError as error:
        raise redirect(f"/expert/tickets/{number}", flash="未能婉拒：" + "；".join(error.errors.values()))
    except DeskError as error:
        raise redirect(_back(number, error), flash=desk_problem(error, "婉拒", TICKET_STATUS_LABELS))
    await blocking(board(request).record_move, me, "decline", number, {"reason": reason})
    raise redirect("/expert", flash=f"已婉拒案件 {number}，它将转给其他专家或由坐席重新分配。")


@routes.post(f"/expert/tickets/{NUMBER}/answer")
@require("expert")
async def answer(request: web.Request) -> web.StreamResponse:
    number, me = request.match_info["number"].upper(), principal(request)
    if not await _owns(request, number):
        return error_page(request, 404, NOT_YOURS)
    form = await request.post()
    typed = str(form.get("answer") or "")
    try:
        text = clean_answer(typed)
    except TicketFormError as error:
        return await _case_page(request, status=422, errors=error.errors, typed=typed)
    try:
        await blocking(context(request).desk.answer, number, me.expert_id, text)
    except DeskError as error:
        if error.code == "wrong_expert":
            raise redirect("/expert", flash=desk_problem(error, "答复", TICKET_STATUS_LABELS))
        return await _case_page(
            request, status=409, errors={"answer": desk_problem(error, "答复", TICKET_STATUS_LABELS)}, typed=typed
        )
    await blocking(board(request).record_move, me, "answer", number, {"characters": len(text)})
    raise redirect(f"/expert/tickets/{number}", flash="答复已提交，将通过企业咨询时的渠道发送给企业。")


async def _case_page(
    request: web.Request, *, status: int = 200, errors: dict[str, str] | None = None, typed: str = ""
) -> web.Response:
    try:
        detail = await blocking(board(request).expert_case, request.match_info["number"], principal(request))
    except DeskError as error:
        if error.code != "not_found":
            raise
        return error_page(request, 404, NOT_YOURS)
    return render(
        request,
        "expert/case.html",
        status=status,
        d=detail,
        t=detail.ticket,
        masked_contact=detail.ticket.contact if detail.contact_in_clear else mask_contact(detail.ticket.contact),
        errors=errors or {},
        typed=typed,
        now=context(request).clock.now(),
        **LABELS,
    )


async def _owns(request: web.Request, number: str) -> bool:
    """Whether the signed-in expert holds this case now (checked before any move, so that a move on someone else's
    case is answered exactly like one on a missing case); a refusal is audited."""
    if await blocking(board(request).holds, number, principal(request).expert_id):
        return True
    doing = request.path.rsplit("/", 1)[-1]
    await blocking(board(request).refuse, principal(request), number, doing)
    return False


def _back(number: str, error: DeskError) -> str:
    """Where to go after a refused move: the case, unless it has just left the expert (e.g. passed on at the SLA)."""
    return "/expert" if error.code in ("wrong_expert", "not_found") else f"/expert/tickets/{number}"
