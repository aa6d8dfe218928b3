"""New and deleted knowledge items (知识库 → 新建条目, 删除此条目).

A new item is written after the last item of its kind in the file its kind goes to (a FAQ entry: the FAQ file
chosen), with today as the day its facts were checked, and saved as a draft — by staff as a proposal — through the
same service as an edit, so it is validated as `python -m knowledge check` validates the files and the problems come
back beside the fields. Opened from a group of the gap queue it is prefilled with the group's questions as example
questions and the most asked one as the title; saving marks those gaps adopted by the new version, in the same
transaction. Deleting (editors and admins) saves a draft without the item, refused while the code, the evaluation
sets, the NLU's data or another item name it.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping, Sequence

from aiohttp import web
from sqlalchemy.orm import Session

from bot.console.knowledge_editor import Examples, Working, example_questions, item_id_problem, kind_paths
from bot.console.views.editor import (
    EDITORS,
    KINDS,
    VIEWERS,
    _answers_bad_requests,
    _BadRequest,
    _editor,
    _item,
    _newer_draft,
    _previews,
    _working,
    proposing,
    saved_flash,
    typed_problems,
)
from bot.console.web import blocking, context, error_page, form_reason, principal, redirect, render, require
from bot.desk.audit import MAX_REASON
from bot.desk.gaps import GapQueue
from bot.desk.knowledge_versions import AlsoInTransaction, VersionRefused
from bot.desk.schema import KnowledgeGap, KnowledgeVersion
from knowledge.editing import CREATE_FIELDS, FIELDS, problems_by_name
from knowledge.snapshot import load_snapshot
from knowledge.yamlfile import KnowledgeError

routes = web.RouteTableDef()
#: The kinds a new item may be, in the order the form offers them.
NEW_KINDS = {kind: KINDS[kind] for kind in ("faq", "case", "referral", "checklist")}
#: The most gaps one adoption names (a group is at most what the gap page shows).
MAX_GAPS = 2000


def gap_ids(raw: str) -> list[int]:
    """The comma-separated gap ids of a group's form; _BadRequest when they are not that."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > MAX_GAPS or not all(part.isdigit() and len(part) <= 9 for part in parts):
        raise _BadRequest("问题编号无效（应为逗号分隔的数字）。")
    return [int(part) for part in parts]


def adopting(request: web.Request, ids: Sequence[int], note: str) -> AlsoInTransaction:
    """What marks the gaps `ids` adopted by the version being stored, in its transaction (None: no gaps)."""
    if not ids:
        return None
    ctx, me = context(request), principal(request)

    def adopt(session: Session, version: KnowledgeVersion) -> None:
        GapQueue.adopt_in(session, ids, version.id, me, ctx.clock.now(), note=note)

    return adopt


def from_gaps(gaps: Sequence[KnowledgeGap]) -> tuple[Examples, dict[str, str]]:
    """A new item's example questions and title from a gap group: every question (left out: masked contacts, too
    long), the most asked one the title in its language."""
    examples = example_questions({}, [(gap.question, gap.language) for gap in gaps])
    title: dict[str, str] = {}
    if gaps:
        counts = Counter(gap.question for gap in gaps)
        top = max(gaps, key=lambda gap: (counts[gap.question], gap.at, gap.id))
        if top.question in examples.added:
            title[f"title.{'en' if top.language == 'en' else 'zh'}"] = top.question
    return examples, title


def _fields(kind: str) -> tuple:
    return (*FIELDS[kind], *CREATE_FIELDS[kind])


async def _new_form(
    request: web.Request,
    working: Working,
    kind: str,
    values: Mapping[str, str],
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    problems: Sequence[str] = (),
    left_out: Sequence[tuple[str, str]] = (),
    gaps: Sequence[int] = (),
    group: str = "",
    previews: Mapping[str, str] | None = None,
) -> web.Response:
    return render(
        request,
        "knowledge/new.html",
        status=status,
        working=working,
        kind=kind,
        kinds=NEW_KINDS,
        paths=kind_paths(working.files, kind),
        fields=_fields(kind),
        values=values,
        errors=errors or {},
        problems=list(problems),
        left_out=list(left_out),
        gaps=",".join(str(gap) for gap in gaps),
        proposing=proposing(request),
        newer=await _newer_draft(request, working),
        group=group if group.isdigit() and len(group) <= 4 else "",
        previews=previews,
    )


@routes.get("/knowledge/new")
@require(*VIEWERS)
@_answers_bad_requests
async def new_item_form(request: web.Request) -> web.Response:
    working = await _working(request, request.query.get("version"))
    kind = request.query.get("kind") or "faq"
    kind = kind if kind in NEW_KINDS else "faq"
    ids = gap_ids(request.query.get("gaps") or "")
    group = request.query.get("group") or ""
    values: dict[str, str] = {"reason": "", "id": f"{kind}:"}
    left_out: list[tuple[str, str]] = []
    if ids:
        gaps = await blocking(context(request).gaps.open_gaps, ids)
        if not gaps:
            raise redirect("/knowledge/gaps", flash="这些未答问题已被处理过。")
        examples, title = from_gaps(gaps)
        named = f"第{group}组" if group.isdigit() and len(group) <= 4 else f"（{len(gaps)} 条）"
        values |= examples.values | title | {"reason": f"未答问题{named}：新建条目"}
        left_out = examples.left_out
        ids = [gap.id for gap in gaps]
    return await _new_form(request, working, kind, values, left_out=left_out, gaps=ids, group=group)


@routes.post("/knowledge/new")
@require(*VIEWERS)
@_answers_bad_requests
async def create_item(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    working = await _working(request, str(form.get("base") or ""))
    kind = str(form.get("kind") or "")
    if kind not in NEW_KINDS:
        raise _BadRequest("条目类型无效。")
    names = [name for field in _fields(kind) for name in field.names()]
    values = {name: str(form.get(name) or "") for name in (*names, "id", "path")}
    values["id"] = values["id"].strip()
    reason = form_reason(form)
    values["reason"] = reason[:MAX_REASON]
    ids = gap_ids(str(form.get("gaps") or ""))
    errors = typed_problems(_fields(kind), values)
    id_problem = item_id_problem(working.kb, kind, values["id"])
    if id_problem:
        errors["id"] = id_problem
    previewing = form.get("action") == "preview"  # stores nothing: no reason needed
    if not previewing and (not reason or len(reason) > MAX_REASON):
        errors["reason"] = f"请写明原因（1–{MAX_REASON} 字），版本历史和审计日志会显示它。"
    if errors:
        return await _new_form(request, working, kind, values, status=422, errors=errors, gaps=ids)
    editor, me = _editor(request), principal(request)
    today = context(request).clock.now().date()
    try:
        if previewing:
            files = await blocking(editor.created, working, kind, values["path"], values["id"], values, today)
            kb = await blocking(load_snapshot, files)
            previews = _previews(kb, kb.items[values["id"]])
            return await _new_form(request, working, kind, values, gaps=ids, previews=previews)
        version = await blocking(
            editor.create,
            working,
            kind,
            values["path"],
            values["id"],
            values,
            me,
            reason=reason,
            today=today,
            proposed=proposing(request),
            also=adopting(request, ids, f"新建条目 {values['id']}"),
        )
    except KnowledgeError as error:
        by_field, rest = problems_by_name(values["id"], names, error.problems)
        return await _new_form(request, working, kind, values, status=422, errors=by_field, problems=rest, gaps=ids)
    except VersionRefused as refused:
        return await _new_form(request, working, kind, values, status=422, problems=[str(refused)], gaps=ids)
    raise redirect(f"/knowledge/items/{values['id']}?version={version.id}", flash=saved_flash(version))


@routes.post("/knowledge/items/{item_id}/delete")
@require(*EDITORS)
@_answers_bad_requests
async def delete_item(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    working = await _working(request, str(form.get("base") or ""))
    item = await _item(request, working)
    reason = form_reason(form)[:MAX_REASON]
    if not reason:
        return error_page(request, 400, "请写明删除原因：版本历史和审计日志会显示它。")
    try:
        version = await blocking(_editor(request).delete, working, item.id, principal(request), reason=reason)
    except (VersionRefused, KnowledgeError) as refused:
        return error_page(request, 409, f"未删除：{refused}")
    raise redirect(
        f"/knowledge?version={version.id}",
        flash=f"已删除 {item.id}，保存为版本 {version.id}（草稿，尚未发布）；到“版本与发布”页发布。",
    )


@routes.post("/knowledge/gaps/adopt")
@require(*VIEWERS)
@_answers_bad_requests
async def adopt_gaps(request: web.Request) -> web.StreamResponse:
    """加为示例问题: the group's questions added to an item's example questions, saved as a draft (staff: a
    proposal) in one click, the gaps marked adopted by that version."""
    form = await request.post()
    ids = gap_ids(str(form.get("ids") or ""))
    item_id = str(form.get("item") or "").strip()
    reason = form_reason(form)[:MAX_REASON] or "未答问题：加入示例问题"
    if not ids:
        raise _BadRequest("没有要加入的未答问题。")
    if not item_id:
        raise redirect("/knowledge/gaps", flash="请先选择要加入示例问题的条目。")
    gaps = await blocking(context(request).gaps.open_gaps, ids)
    if not gaps:
        raise redirect("/knowledge/gaps", flash="这些未答问题已被处理过。")
    editor = _editor(request)
    working = await _working(request, None)
    try:
        examples = await blocking(editor.with_examples, working, item_id, [(g.question, g.language) for g in gaps])
        notes = "；".join(f"{question}（{why}）" for question, why in examples.left_out)
        if not examples.added:
            raise redirect("/knowledge/gaps", flash=f"没有可加入 {item_id} 的新问法：{notes}"[:300])
        version = await blocking(
            editor.save,
            working,
            item_id,
            examples.values,
            principal(request),
            reason=reason,
            proposed=proposing(request),
            also=adopting(request, [g.id for g in gaps], f"示例问题 → {item_id}"),
        )
    except (VersionRefused, KnowledgeError) as refused:
        return error_page(request, 409, f"未能加入示例问题：{refused}")
    left = f" 未加入：{notes}" if notes else ""
    flash = f"已把 {len(examples.added)} 个问法加入 {item_id} 的示例问题。{saved_flash(version)}{left}"
    raise redirect(f"/knowledge/items/{item_id}?version={version.id}", flash=flash[:300])
