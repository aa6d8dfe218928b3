"""The knowledge editor (知识库): the items of a version, an item's form with the answer as the chat shows it, the
retrieval test of a draft against the published knowledge, and the versions with publish and roll back.

Staff may look at everything, run the retrieval test, and save an edit as a proposal (提议); publishing, rolling
back, merging, deleting items and rejecting proposals are for editors (知识编辑, who see only the knowledge pages)
and admins. An edit is saved as a new, unpublished version through the versions service
(bot/desk/knowledge_versions.py), which validates it as `python -m knowledge check` does and audits it; a refused
edit comes back with the problems beside the fields and what was typed, and stores nothing. The versions page shows
open proposals with their author and reason, and for a draft edited from an older version than the published one
what each side changed since, with 合并到当前发布版本 when no item changed on both.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any, Iterable, Mapping

from aiohttp import web

from bot.console.knowledge_editor import MAX_QUESTIONS, KnowledgeEditor, Reading, Working
from bot.console.web import (
    HTTP,
    Handler,
    blocking,
    context,
    error_page,
    form_reason,
    principal,
    redirect,
    render,
    require,
)
from bot.desk.audit import MAX_REASON
from bot.desk.knowledge_versions import KnowledgeVersions, VersionConflict, VersionRefused
from bot.desk.retraining import Retraining
from bot.desk.schema import KnowledgeVersion
from knowledge.answers import answer_text
from knowledge.base import KnowledgeBase
from knowledge.editing import FIELDS, Field, editable, form_values, problems_by_field
from knowledge.items import Item
from knowledge.snapshot import digest
from knowledge.yamlfile import KnowledgeError

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
#: Who may look, run the retrieval test and save (staff: as a proposal); who may publish, roll back, merge, delete
#: items and reject proposals.
VIEWERS = ("staff", "admin", "editor")
EDITORS = ("admin", "editor")
KINDS = {"faq": "常见问题", "case": "典型案例", "checklist": "展前清单", "referral": "转介", "policy": "政策措施"}
#: The most items a list shows (the whole knowledge is about 160).
MAX_ITEMS = 500
#: The longest search text accepted (the longest reason is audit.MAX_REASON).
MAX_QUERY = 200
#: The most characters one line of the form (a title, a case's source) and one text or list take.
MAX_LINE = 2000
MAX_TEXT = 20000
#: Control characters: refused in the form (line breaks and tabs aside).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Versions whose changes against the published one the versions page works out (older ones show no diff).
DIFFED = 20


def _editor(request: web.Request) -> KnowledgeEditor:
    ctx = context(request)
    return KnowledgeEditor(KnowledgeVersions(ctx.sessions, ctx.clock))


class _BadRequest(Exception):
    """A request this editor cannot carry out as sent; the message says why (shown on a page with `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def proposing(request: web.Request) -> bool:
    """Whether what this person saves is a proposal for an editor to publish or reject (staff), not a draft."""
    return principal(request).role not in EDITORS


def saved_flash(version: KnowledgeVersion) -> str:
    """What the page says after a save: a draft to test and publish, or a proposal waiting for an editor."""
    if version.proposed:
        return f"已提交为提议（版本 {version.id}），等待知识编辑审核发布；审核结果显示在“版本与发布”页。"
    return f"已保存为版本 {version.id}（草稿，尚未发布）。可在“检索测试”中试一试，再到“版本”页发布。"


def _version_id(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise _BadRequest("版本号无效（应为数字）。")
    return int(raw)


def _drafts(service: KnowledgeVersions) -> list[KnowledgeVersion]:
    """The versions saved after the published one and never published (one rolled back from is no draft, nor is a
    rejected proposal), newest first."""
    published = service.published()
    done = {publication.version_id for publication in service.publications()} | service.rejections().keys()
    newer_than = published.version.id if published is not None else 0
    return [v for v in service.versions() if v.id > newer_than and v.id not in done]


async def _newer_draft(request: web.Request, working: Working) -> KnowledgeVersion | None:
    """The newest draft, when it is not the version shown and says something else (the files stored before the
    first edit say the same): an edit made on the published knowledge would leave that draft's changes out, so the
    pages point to it."""
    drafts = await blocking(_drafts, _editor(request).versions)
    newest = drafts[0] if drafts else None
    if newest is None or newest.id == working.id or newest.digest == digest(working.files):
        return None
    return newest


async def _working(request: web.Request, raw: str | None) -> Working:
    try:
        return await blocking(_editor(request).working, _version_id(raw))
    except VersionRefused:
        raise web.HTTPNotFound() from None
    except KnowledgeError as error:  # valid when saved; the checks have changed since
        log.warning("knowledge editor: version %s does not load: %s", raw or "(published)", error)
        raise _BadRequest(f"版本 {raw or '（已发布）'} 按现在的检查无法加载：{error}", status=409) from None


def _answers_bad_requests(handler: Handler) -> Handler:
    """A `_BadRequest` raised by the page becomes a 400 page with its message."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except _BadRequest as error:
            return error_page(request, error.status, str(error))

    return guarded


def _matches(item: Item, words: str) -> bool:
    haystack = " ".join(
        (item.id, item.title.zh, item.title.en, item.answer.zh, item.answer.en, item.text.zh, item.text.en)
    ).casefold()
    return all(word in haystack for word in words.casefold().split())


@routes.get("/knowledge")
@require(*VIEWERS)
@_answers_bad_requests
async def list_items(request: web.Request) -> web.Response:
    working = await _working(request, request.query.get("version"))
    q = (request.query.get("q") or "").strip()[:MAX_QUERY]
    kind = request.query.get("kind") or ""
    kind = kind if kind in KINDS else ""
    items = [
        item for item in working.kb.items.values() if (not kind or item.kind == kind) and (not q or _matches(item, q))
    ]
    return render(
        request,
        "knowledge/items.html",
        working=working,
        items=items[:MAX_ITEMS],
        total=len(items),
        q=q,
        kind=kind,
        kinds=KINDS,
        editable=editable,
        newer=await _newer_draft(request, working),
    )


def _previews(kb: KnowledgeBase, item: Item) -> dict[str, str]:
    return {language: answer_text(kb, item, language) for language in ("zh", "en")}  # type: ignore[arg-type]


async def _form(
    request: web.Request,
    working: Working,
    item: Item,
    values: Mapping[str, str],
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    problems: list[str] | None = None,
    previews: Mapping[str, str] | None = None,
    reason: str = "",
    previewing: bool = False,
) -> web.Response:
    return render(
        request,
        "knowledge/item.html",
        status=status,
        working=working,
        item=item,
        fields=FIELDS.get(item.kind, ()),
        values=values,
        errors=errors or {},
        problems=problems or [],
        previews=previews if previews is not None else _previews(working.kb, item),
        reason=reason,
        previewing=previewing,
        can_edit=editable(item) and principal(request).role in VIEWERS,
        can_delete=editable(item) and principal(request).role in EDITORS,
        proposing=proposing(request),
        kinds=KINDS,
        newer=await _newer_draft(request, working),
    )


async def _item(request: web.Request, working: Working) -> Item:
    item = working.kb.get(request.match_info["item_id"])
    if item is None:
        raise web.HTTPNotFound()
    return item


@routes.get("/knowledge/items/{item_id}")
@require(*VIEWERS)
@_answers_bad_requests
async def show_item(request: web.Request) -> web.Response:
    working = await _working(request, request.query.get("version"))
    item = await _item(request, working)
    values = form_values(working.files, item) if editable(item) else {}
    return await _form(request, working, item, values)


@routes.post("/knowledge/items/{item_id}")
@require(*VIEWERS)
@_answers_bad_requests
async def save_item(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    working = await _working(request, str(form.get("base") or ""))
    item = await _item(request, working)
    if not editable(item):
        return error_page(request, 400, f"{item.id} 不可编辑：政策措施逐字引用政策原文。")
    names = [name for field in FIELDS[item.kind] for name in field.names()]
    values = {name: str(form.get(name) or "") for name in names}
    reason = form_reason(form)
    editor = _editor(request)
    typed = _typed_problems(item, values)
    if typed:
        return await _form(request, working, item, values, status=422, errors=typed, reason=reason[:MAX_REASON])
    if form.get("action") == "preview":
        try:
            _, kb = await blocking(editor.edited, working, item.id, values)
        except KnowledgeError as error:
            return await _refused(request, working, item, values, error, reason)
        draft = kb.get(item.id)
        assert draft is not None
        return await _form(
            request, working, item, values, previews=_previews(kb, draft), reason=reason, previewing=True
        )
    if not reason or len(reason) > MAX_REASON:
        return await _form(
            request,
            working,
            item,
            values,
            status=422,
            errors={"reason": f"请写明修改原因（1–{MAX_REASON} 字），版本历史和审计日志会显示它。"},
            reason=reason[:MAX_REASON],
        )
    try:
        version = await blocking(
            editor.save, working, item.id, values, principal(request), reason=reason, proposed=proposing(request)
        )
    except KnowledgeError as error:
        return await _refused(request, working, item, values, error, reason)
    except VersionRefused as refused:
        return await _form(request, working, item, values, status=422, problems=[str(refused)], reason=reason)
    raise redirect(f"/knowledge/items/{item.id}?version={version.id}", flash=saved_flash(version))


def _typed_problems(item: Item, values: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with the typed text before the knowledge check: control characters (invisible, and nothing a
    reply should carry) and more than a field holds."""
    return typed_problems(FIELDS[item.kind], values)


def typed_problems(fields: Iterable[Field], values: Mapping[str, str]) -> dict[str, str]:
    """`_typed_problems` for any form's `fields` (a new item's form has more)."""
    problems = {}
    for field in fields:
        limit = MAX_LINE if field.shape in ("text", "single") else MAX_TEXT
        for name in field.names():
            value = values.get(name, "")
            if CONTROL.search(value):
                problems[name] = "含有不可见的控制字符，请删除后再保存。"
            elif len(value) > limit:
                problems[name] = f"共 {len(value)} 字，超过 {limit} 字的上限。"
    return problems


async def _refused(
    request: web.Request, working: Working, item: Item, values: Mapping[str, str], error: KnowledgeError, reason: str
) -> web.Response:
    errors, rest = problems_by_field(item, error.problems)
    return await _form(request, working, item, values, status=422, errors=errors, problems=rest, reason=reason)


@routes.get("/knowledge/test")
@require(*VIEWERS)
@_answers_bad_requests
async def retrieval_test(request: web.Request) -> web.Response:
    editor = _editor(request)
    published = await _working(request, None)
    draft = await _working(request, request.query.get("version"))
    text = (request.query.get("questions") or "")[: MAX_QUESTIONS * 200]
    questions = [line.strip() for line in text.splitlines() if line.strip()]
    readings = await _readings(request, questions[:MAX_QUESTIONS])
    rows = await blocking(editor.retrieval, published.kb, draft.kb, questions, readings) if questions else []
    scores = await blocking(editor.scores, published.kb, draft.kb) if request.query.get("eval") == "1" else []
    versions = await blocking(editor.versions.versions)
    return render(
        request,
        "knowledge/test.html",
        published=published,
        draft=draft,
        text=text,
        rows=rows,
        scores=scores,
        versions=versions,
        max_questions=MAX_QUESTIONS,
        too_many=len(questions) > MAX_QUESTIONS,
        nlu=bool(questions) and len(readings) == len(set(questions[:MAX_QUESTIONS])),
    )


async def _readings(request: web.Request, questions: list[str]) -> dict[str, Reading]:
    """Each question as the running Rasa server's NLU reads it; from the first that cannot be read on, none (the
    test then searches the text alone, and says so)."""
    suggester, http = context(request).suggester, request.app[HTTP]
    readings: dict[str, Reading] = {}
    for question in dict.fromkeys(questions):
        parsed = await suggester.parse(http, question)
        if parsed is None:
            return {}
        readings[question] = Reading.of(parsed)
    return readings


@routes.get("/knowledge/versions")
@require(*VIEWERS)
@_answers_bad_requests
async def list_versions(request: web.Request) -> web.Response:
    editor = _editor(request)
    versions = await blocking(editor.versions.versions)
    published = await _working(request, None)
    publications = await blocking(editor.versions.publications)

    drafts = {v.id for v in await blocking(_drafts, editor.versions)}

    def changes() -> tuple[dict[int, Any], dict[int, Any]]:
        """Each recent version's changes against the published one ("broken" for one today's checks refuse), and
        for each recent draft edited from an older version what each side changed since (base, published, diff)."""
        found: dict[int, Any] = {}
        diverged: dict[int, Any] = {}
        for v in versions[:DIFFED]:
            try:
                found[v.id] = editor.changes(editor.versions.version(v.id), published)
                if v.id in drafts:
                    diverged[v.id] = editor.versions.divergence(v.id)
            except KnowledgeError as error:
                log.warning("knowledge editor: version %d does not load: %s", v.id, error)
                found[v.id] = "broken"
        return found, diverged

    found, diverged = await blocking(changes)
    rejections = await blocking(editor.versions.rejections)
    ever = {p.version_id for p in publications}
    merged = {v.merged_from: v.id for v in versions if v.merged_from is not None}  # carried onto a newer base
    proposals = [v for v in versions if v.proposed and v.id not in ever | rejections.keys() | merged.keys()]
    me = principal(request)
    can_publish = me.role in EDITORS
    retraining = Retraining(context(request).sessions, context(request).clock)
    return render(
        request,
        "knowledge/versions.html",
        versions=versions,
        published=published,
        publications=publications[:DIFFED],
        changes=found,
        diverged=diverged,
        drafts=drafts,
        proposals=proposals,
        rejections=rejections,
        merged=merged,
        mine=[v for v in versions if v.proposed and v.author == me.username][:DIFFED],
        ever=ever,
        can_publish=can_publish,
        # After a publish that changed example questions: offer to retrain the model that reads them.
        untrained=await blocking(retraining.untrained_questions) if can_publish else [],
        retraining=await blocking(retraining.current) if can_publish else None,
    )


async def _version_and_reason(request: web.Request) -> tuple[int, str]:
    """The version a versions-page form acts on (from its path) and the reason typed (may be empty)."""
    form = await request.post()
    version_id = _version_id(request.match_info["version_id"])
    assert version_id is not None
    return version_id, form_reason(form)[:MAX_REASON]


async def _change(request: web.Request, kind: str) -> web.StreamResponse:
    version_id, reason = await _version_and_reason(request)
    if not reason:
        return error_page(request, 400, "请写明原因：版本历史和审计日志会显示它。")
    service = _editor(request).versions
    action = service.publish if kind == "publish" else service.rollback
    try:
        await blocking(action, version_id, principal(request), reason=reason)
    except VersionConflict as conflict:  # edited from an older version: publishing would undo what is live
        return error_page(request, 409, f"未能发布：{conflict}")
    except (VersionRefused, KnowledgeError) as refused:  # unknown, already served, or refused by today's checks
        return error_page(request, 409, f"未能{'发布' if kind == 'publish' else '回滚'}：{refused}")
    done = "已发布" if kind == "publish" else "已回滚到"
    raise redirect("/knowledge/versions", flash=f"{done}版本 {version_id}。各服务器数秒内开始使用，无需重启。")


@routes.post("/knowledge/versions/{version_id}/publish")
@require(*EDITORS)
@_answers_bad_requests
async def publish(request: web.Request) -> web.StreamResponse:
    return await _change(request, "publish")


@routes.post("/knowledge/versions/{version_id}/rollback")
@require(*EDITORS)
@_answers_bad_requests
async def rollback(request: web.Request) -> web.StreamResponse:
    return await _change(request, "rollback")


@routes.post("/knowledge/versions/{version_id}/merge")
@require(*EDITORS)
@_answers_bad_requests
async def merge(request: web.Request) -> web.StreamResponse:
    """合并到当前发布版本: a new draft, the published version plus what this draft changed since its base."""
    version_id, reason = await _version_and_reason(request)
    reason = reason or f"合并版本 {version_id} 到当前发布版本"
    try:
        merged = await blocking(_editor(request).versions.merge, version_id, principal(request), reason=reason)
    except (VersionRefused, KnowledgeError) as refused:  # conflicting, nothing to merge, unknown, does not load
        return error_page(request, 409, f"未能合并：{refused}")
    raise redirect(
        "/knowledge/versions",
        flash=f"已把版本 {version_id} 的修改合并到当前发布版本，保存为版本 {merged.id}（草稿）；检查后即可发布。",
    )


@routes.post("/knowledge/versions/{version_id}/reject")
@require(*EDITORS)
@_answers_bad_requests
async def reject(request: web.Request) -> web.StreamResponse:
    """Refuse a staff proposal with a reason, which the versions page shows its author."""
    version_id, reason = await _version_and_reason(request)
    if not reason:
        return error_page(request, 400, "请写明退回原因：提议人会在“版本与发布”页看到它。")
    try:
        await blocking(_editor(request).versions.reject, version_id, principal(request), reason=reason)
    except VersionRefused as refused:
        return error_page(request, 409, f"未能退回：{refused}")
    raise redirect("/knowledge/versions", flash=f"已退回提议（版本 {version_id}）。")
