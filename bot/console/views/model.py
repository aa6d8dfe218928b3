"""The NLU model's retraining (模型训练), for editors and admins: request a new model trained with the published
knowledge's example questions, follow the job (the page refreshes itself while one runs), and read the history with
both models' held-out figures and the decision.

The jobs and the decision rule are bot/desk/retraining.py; the runner that trains, evaluates and swaps is
bot/runtime/retrain.py (`python -m bot.processes.trainer`). The request is audited there.
"""

from __future__ import annotations

import os
from datetime import timedelta

from aiohttp import web

from bot.console.web import blocking, context, error_page, form_reason, principal, redirect, render, require
from bot.desk.audit import MAX_REASON
from bot.desk.retraining import STALE_AFTER, STATE_LABELS, TOLERANCE, Retraining, RetrainRefused
from bot.settings import model_path

routes = web.RouteTableDef()
#: Who may request a retraining and follow it: those who publish the knowledge it learns from.
EDITORS = ("admin", "editor")
#: How many past jobs the page lists.
HISTORY = 20
#: Seconds between the page's refreshes while a job runs.
REFRESH_SECONDS = 5
#: A job still queued this long after its request: the runner is probably not running (the page says so).
UNCLAIMED = timedelta(minutes=1)
STAGE_LABELS = {
    "queued": "等待训练进程领取",
    "preparing": "准备训练数据",
    "training": "训练中",
    "evaluating old": "在留出集上评估现用模型",
    "evaluating new": "在留出集上评估新模型",
    "swapping": "正在切换各 Rasa 服务器的模型",
}


def retraining(request: web.Request) -> Retraining:
    ctx = context(request)
    return Retraining(ctx.sessions, ctx.clock)


@routes.get("/knowledge/model")
@require(*EDITORS)
async def model_page(request: web.Request) -> web.Response:
    service = retraining(request)
    jobs = await blocking(service.jobs, HISTORY)
    current = next((job for job in jobs if job.active), None) or await blocking(service.current)
    ctx = context(request)
    now = ctx.clock.now()
    unclaimed = current is not None and current.state == "queued" and now - current.requested_at > UNCLAIMED
    # A runner that stopped mid-job: the job can be cancelled, a swap under way included (it would block every
    # later request until a runner starts again).
    stalled = current is not None and current.heartbeat_at is not None and now - current.heartbeat_at > STALE_AFTER
    default = model_path(os.environ)
    serving = await blocking(service.serving_model, default)
    return render(
        request,
        "knowledge/model.html",
        jobs=jobs,
        current=current,
        serving=serving,
        swapped=serving != default,
        untrained=await blocking(service.untrained_questions),
        states=STATE_LABELS,
        stages=STAGE_LABELS,
        tolerance=TOLERANCE,
        refresh=REFRESH_SECONDS if current is not None else None,
        unclaimed=unclaimed,
        stalled=stalled,
        stale_minutes=int(STALE_AFTER.total_seconds() // 60),
        max_reason=MAX_REASON,
    )


@routes.post("/knowledge/model/retrain")
@require(*EDITORS)
async def request_retrain(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    reason = form_reason(form)
    if len(reason) > MAX_REASON:
        return error_page(request, 400, f"原因最多 {MAX_REASON} 字。")
    try:
        job = await blocking(retraining(request).request, principal(request), reason)
    except RetrainRefused as refused:
        return error_page(request, 409 if reason else 400, str(refused))
    raise redirect(
        "/knowledge/model",
        flash=f"已提交训练任务 #{job.id}。训练约需数分钟，新模型在留出集上不比现用模型差才会切换；本页会自动刷新。",
    )


@routes.post("/knowledge/model/{job_id:[0-9]{1,9}}/cancel")
@require(*EDITORS)
async def cancel(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    job_id = int(request.match_info["job_id"])
    reason = form_reason(form)[:MAX_REASON]
    try:
        await blocking(retraining(request).cancel, job_id, principal(request), reason)
    except RetrainRefused as refused:
        return error_page(request, 409 if reason else 400, str(refused))
    raise redirect("/knowledge/model", flash=f"已取消训练任务 #{job_id}，现用模型不变。")
