"""The console's knowledge editor (issue 17): the item list and form, an edit saved as a draft version (validated,
refused with the problems beside the fields and nothing stored), the retrieval test, publishing and rolling back —
with roles, on a real console server over SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import time

import pytest
from hypothesis import strategies as st

from sqlalchemy import func, select

from bot.desk.knowledge_versions import KnowledgeVersions
from bot.desk.schema import AuditEntry, KnowledgePublication, KnowledgeVersion
from knowledge.editing import form_values
from knowledge.snapshot import load_snapshot, read_snapshot
from tests.helpers.console import ConsoleClient

ITEM = "faq:337-what"
OLD_DEADLINE = "答复期限通常只有送达后20天"
NEW_DEADLINE = "答复期限通常只有送达后30天"


def _form(item_id: str = ITEM, **changes: str) -> dict[str, str]:
    """The item's form as the page fills it from the repository's files, with `changes`."""
    files = read_snapshot()
    values = form_values(files, load_snapshot(files).items[item_id])
    return {**values, **changes}


def _count(console, table) -> int:
    with console.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def _actions(console) -> list[str]:
    with console.ctx.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_type == "knowledge").order_by(AuditEntry.id)
            )
        )


def _published_id(service: KnowledgeVersions) -> int | None:
    current = service.published()
    return current.version.id if current else None


def _new_deadline(values: dict[str, str]) -> dict[str, str]:
    return values | {"answer.zh": values["answer.zh"].replace(OLD_DEADLINE, NEW_DEADLINE)}


def test_staff_view_items_run_the_test_and_propose_but_cannot_publish_or_roll_back(
    console, console_user, browser_client
):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    listing = browser_client.get("/knowledge")
    assert listing.status == 200 and ITEM in listing.text and "policy:1" in listing.text and "只读" in listing.text
    found = browser_client.get("/knowledge", q="337 多久")
    assert "faq:337-timeline" in found.text and "faq:rights" not in found.text
    cases = browser_client.get("/knowledge", kind="case")
    assert "case:illustrative-337-default" in cases.text and ITEM not in cases.text
    page = browser_client.get(f"/knowledge/items/{ITEM}")
    assert page.status == 200 and OLD_DEADLINE in page.text  # the form and the answer as the chat gives it
    assert "来源：" in page.text and "提交为提议" in page.text and 'id="delete-item"' not in page.text
    test = browser_client.get("/knowledge/test", questions="337调查是什么")
    assert test.status == 200 and ITEM in test.text.split('id="retrieval-table"')[1]

    proposed = browser_client.post(f"/knowledge/items/{ITEM}", _new_deadline(_form()) | {"reason": "期限"})
    assert proposed.status == 200 and "已提交为提议" in html.unescape(proposed.text)
    assert browser_client.post("/knowledge/versions/2/publish", {"reason": "上线"}).status == 403
    assert browser_client.post("/knowledge/versions/1/rollback", {"reason": "回滚"}).status == 403
    assert _count(console, KnowledgeVersion) == 2 and _count(console, KnowledgePublication) == 0  # seed + proposal


def test_experts_do_not_see_the_knowledge_pages(console, console_user, add_expert, browser_client):
    console_user("zhao", "expert", expert_id=add_expert("赵律师"))
    browser_client.sign_in("zhao")
    for path in ("/knowledge", f"/knowledge/items/{ITEM}", "/knowledge/test", "/knowledge/versions"):
        assert browser_client.get(path).status == 403, path


def test_an_editor_keeps_the_knowledge_and_sees_nothing_of_the_hotline(console, console_user, browser_client):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    assert "知识编辑" in browser_client.get("/admin/users").text  # a role admins can give
    console_user("li.editor", "editor")
    editor = ConsoleClient(console.url)
    landed = editor.sign_in("li.editor")
    assert landed.url.endswith("/knowledge") and "知识编辑" in landed.text and "来电登记" not in landed.text
    for path in ("/calls", "/calls/new", "/tickets", "/inbox", "/dashboard", "/warnings", "/admin/users"):
        assert editor.get(path).status == 403, path
    assert editor.get("/knowledge/gaps").status == 200
    editor.get(f"/knowledge/items/{ITEM}")
    saved = editor.post(f"/knowledge/items/{ITEM}", _new_deadline(_form()) | {"reason": "答复期限更正"})
    assert saved.status == 200 and "已保存为版本 2" in html.unescape(saved.text)
    published = editor.post("/knowledge/versions/2/publish", {"reason": "更正上线"})
    assert published.status == 200 and "已发布版本 2" in html.unescape(published.text)
    with console.ctx.sessions() as session:
        who = session.scalars(select(AuditEntry.username).where(AuditEntry.action == "publish_knowledge")).all()
    assert who == ["li.editor"]


def test_an_admin_edit_is_a_draft_until_published_and_a_rollback_restores_the_old_answer(
    console, console_user, browser_client
):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    browser_client.get(f"/knowledge/items/{ITEM}")
    saved = browser_client.post(f"/knowledge/items/{ITEM}", _new_deadline(_form()) | {"reason": "答复期限更正"})
    assert saved.status == 200 and "草稿" in saved.text and NEW_DEADLINE in saved.text
    service = KnowledgeVersions(console.ctx.sessions, console.ctx.clock)
    seed, draft = sorted(service.versions(), key=lambda v: v.id)
    assert (
        service.version(seed.id).files == read_snapshot() and draft.based_on == seed.id and service.published() is None
    )
    assert service.diff(seed.id, draft.id).changed == [ITEM]
    assert OLD_DEADLINE in console.ctx.knowledge.get().items[ITEM].answer.zh  # nothing served changed

    listing = browser_client.get("/knowledge")  # the published knowledge, pointing to the newer draft
    assert 'id="newer-draft"' in listing.text and f"?version={draft.id}" in listing.text
    assert 'id="newer-draft"' not in browser_client.get("/knowledge", version=str(draft.id)).text

    versions = browser_client.get("/knowledge/versions")
    row = versions.text.split(f'id="version-{draft.id}"')[1].split("</tr>")[0]
    assert "答复期限更正" in row and ITEM in row and "发布" in row
    published = browser_client.post(f"/knowledge/versions/{draft.id}/publish", {"reason": "更正上线"})
    assert published.status == 200 and f"已发布版本 {draft.id}" in html.unescape(published.text)
    assert _published_id(service) == draft.id
    page = browser_client.get(f"/knowledge/items/{ITEM}")
    assert NEW_DEADLINE in page.text and 'id="newer-draft"' not in page.text

    back = browser_client.post(f"/knowledge/versions/{seed.id}/rollback", {"reason": "更正有误"})
    assert back.status == 200 and _published_id(service) == seed.id
    page = browser_client.get(f"/knowledge/items/{ITEM}")
    assert OLD_DEADLINE in page.text and NEW_DEADLINE not in page.text
    assert 'id="newer-draft"' not in page.text  # the version rolled back from is no draft
    assert _actions(console) == ["save_knowledge", "save_knowledge", "publish_knowledge", "rollback_knowledge"]


def test_an_invalid_edit_is_refused_beside_the_field_with_what_was_typed_and_nothing_stored(
    console, console_user, browser_client
):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    browser_client.get(f"/knowledge/items/{ITEM}")
    typed = _form() | {"answer.zh": "", "title.zh": "新标题：337调查是什么", "reason": "改标题"}
    page = browser_client.post(f"/knowledge/items/{ITEM}", typed)
    assert page.status == 422
    error = re.search(r'id="error-answer.zh"[^>]*>([^<]*)<', page.text)
    assert error and "answer.zh is missing or empty" in error.group(1)
    assert 'value="新标题：337调查是什么"' in page.text  # what was typed is kept
    too_long = _form() | {"answer.zh": "期" * 301, "reason": "太长"}
    page = browser_client.post(f"/knowledge/items/{ITEM}", too_long)
    assert page.status == 422 and "more than 300" in page.text
    no_reason = browser_client.post(f"/knowledge/items/{ITEM}", _new_deadline(_form()) | {"reason": " "})
    assert no_reason.status == 422 and "修改原因" in no_reason.text and NEW_DEADLINE in no_reason.text
    unchanged = browser_client.post(f"/knowledge/items/{ITEM}", _form() | {"reason": "没改"})
    assert unchanged.status == 422 and "没有改动" in unchanged.text
    measure = browser_client.post("/knowledge/items/policy:1", {"reason": "改政策", "title.zh": "x"})
    assert measure.status == 400 and "政策原文" in measure.text
    assert _count(console, KnowledgeVersion) == 0 and _actions(console) == []


def test_a_preview_shows_the_chat_answer_of_the_typed_text_and_stores_nothing(console, console_user, browser_client):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    browser_client.get(f"/knowledge/items/{ITEM}")
    page = browser_client.post(f"/knowledge/items/{ITEM}", _new_deadline(_form()) | {"action": "preview"})
    preview = page.text.split('id="preview-zh"')[1].split("</div>")[0]
    assert page.status == 200 and "预览，未保存" in page.text and NEW_DEADLINE in preview and "来源：" in preview
    assert _count(console, KnowledgeVersion) == 0


def test_the_retrieval_test_compares_the_draft_with_the_published_knowledge(console, console_user, browser_client):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    browser_client.get("/knowledge/items/faq:337-timeline")
    values = _form("faq:337-timeline")
    values["questions.zh"] += "\n蓝莓果酱罐头出口美国被卡住怎么办"
    values["keywords.zh"] += "\n蓝莓果酱"
    browser_client.post("/knowledge/items/faq:337-timeline", values | {"reason": "新问法"})
    draft = max(v.id for v in KnowledgeVersions(console.ctx.sessions, console.ctx.clock).versions())
    page = browser_client.get(
        "/knowledge/test", version=str(draft), questions="蓝莓果酱罐头出口美国被卡住怎么办\n337调查是什么", eval="1"
    )
    assert page.status == 200 and "仅按问题文字检索" in page.text  # this console's Rasa is not running
    rows = page.text.split('id="retrieval-table"')[1].split("</table>")[0].split("<tr class=")[1:]
    assert "changed" in rows[0] and "faq:337-timeline" in rows[0].split("<td>")[3]
    assert "changed" not in rows[1] and rows[1].count(ITEM) == 2
    scores = page.text.split('id="scores-table"')[1].split("</table>")[0]
    assert "开发集" in scores and "留出集" in scores and len(re.findall(r"0\.\d{3}", scores)) == 4


def test_bad_requests_get_a_clear_answer_and_change_nothing(console, console_user, browser_client):
    console_user("admin", "admin")
    browser_client.sign_in("admin")
    assert browser_client.get("/knowledge", version="abc").status == 400
    assert browser_client.get("/knowledge", version="999").status == 404
    assert browser_client.get("/knowledge/items/faq:no-such-item").status == 404
    no_reason = browser_client.post("/knowledge/versions/1/publish", {"reason": ""})
    assert no_reason.status == 400 and "原因" in no_reason.text
    unknown = browser_client.post("/knowledge/versions/7/publish", {"reason": "上线"})
    assert unknown.status == 409 and "7" in unknown.text
    nothing = browser_client.post("/knowledge/versions/1/rollback", {"reason": "回滚"})
    assert nothing.status == 409 and "nothing is published" in nothing.text
    assert _count(console, KnowledgePublication) == 0 and _actions(console) == []
    assert "case:illustrative-337-default" in browser_client.get("/knowledge", kind="nonsense").text  # all kinds
    with console.ctx.sessions.begin() as session:  # a version stored under older checks that today's refuse
        broken = KnowledgeVersion(
            created_at=console.ctx.clock.now(), author="old", reason="旧版本", digest="0" * 64, items=0, files={}
        )
        session.add(broken)
        session.flush()
        broken_id = broken.id
    page = browser_client.get("/knowledge", version=str(broken_id))
    assert page.status == 409 and "无法加载" in page.text
    versions = browser_client.get("/knowledge/versions")
    assert versions.status == 200 and "无法加载" in versions.text.split(f'id="version-{broken_id}"')[1]
    refused = browser_client.post(f"/knowledge/versions/{broken_id}/publish", {"reason": "上线"})
    assert refused.status == 409 and "the file is missing" in refused.text
    assert _count(console, KnowledgePublication) == 0


# --- The whole path in a browser, against the services `make run` starts: edit a deadline, see the retrieval test,
# publish, the bot answers with the new text through REST; roll back, and it answers with the old one again.

QUESTION = "被ITC发起337调查的话，一般要多长时间才结束"
BROWSER_PASSWORD = "browser-test-password-1"


def _bot_answer(stack, sender: str) -> tuple[str, str]:
    """The item the bot cites for QUESTION, and its reply's text."""
    from tests.helpers.rest import customs, say

    replies = say(stack, sender, QUESTION)
    (custom,) = customs(replies)
    assert custom["kind"] == "answer", custom
    return custom["sources"][0], next(r["text"] for r in replies if "text" in r)


def _ask_until(stack, sender: str, wanted: str, seconds: float = 15.0) -> str:
    """Ask until the reply has `wanted` (a publish is served within the poll interval); the last reply's text."""
    deadline = time.monotonic() + seconds
    turn = 0
    while True:
        turn += 1
        _, text = _bot_answer(stack, f"{sender}-{turn}")
        if wanted in text or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def test_in_a_browser_an_admin_edits_a_deadline_tests_publishes_and_rolls_back(stack, tmp_path):
    from bot.clock import SystemClock
    from bot.console.accounts import Accounts
    from bot.console.config import ConsoleSettings
    from bot.desk.db import make_engine, sessions
    from bot.desk.schema import ConsoleUser
    from tests.helpers.browser import Browser, missing_browser

    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    engine = make_engine(stack.environment()["IPDESK_DATABASE_URL"])
    maker = sessions(engine)
    with maker() as session:
        exists = session.scalar(select(ConsoleUser.id).where(ConsoleUser.username == "kbadmin")) is not None
    if not exists:
        Accounts(maker, SystemClock(), ConsoleSettings()).create_user(
            "kbadmin", "知识库管理员", "admin", BROWSER_PASSWORD, actor_name="test"
        )
    service = KnowledgeVersions(maker, SystemClock())
    browser = Browser(stack.console_url)
    try:
        item_id, before = _bot_answer(stack, "kb-editor-before")
        assert "送达后20天" in before, before

        browser.sign_in("kbadmin", BROWSER_PASSWORD)
        browser.open("/knowledge?q=337")
        browser.find(f"a[href^='/knowledge/items/{item_id}']").click()
        browser.wait_for("#answer-zh")
        answer = browser.find("#answer-zh").get_attribute("value")
        assert "送达后20天" in answer
        browser.fill("#answer-zh", answer.replace("送达后20天", "送达后30天"))
        browser.fill("#reason", "核对答复期限")
        browser.find("#preview-item").click()
        browser.wait_for("#preview-zh", text="送达后30天")
        browser.screenshot("knowledge-edit", tmp_path)
        browser.find("#save-item").click()
        flash = browser.wait_for(".flash", text="已保存为版本")
        draft_id = int(flash.text.split("已保存为版本 ")[1].split("（")[0])
        draft = service.version(draft_id)
        assert draft.based_on is not None

        browser.open(f"/knowledge/test?version={draft_id}")
        browser.fill("#test-questions", QUESTION)
        browser.find("input[name=eval]").click()
        browser.find("#run-test").click()
        table = browser.wait_for("#retrieval-table", text=item_id)
        assert table.text.count(item_id) == 2  # the same item now and after publishing: the wording, not the match
        reading = browser.find("#test-reading").text
        assert "已按聊天的方式检索" in reading  # read by the stack's NLU, as the chat reads it
        assert browser.find("#scores-table").text.count("0.") == 4  # dev and held-out hit@1, now and with the draft
        browser.driver.execute_script("document.getElementById('run-test').scrollIntoView()")  # form's end, results
        browser.screenshot("knowledge-test", tmp_path)

        browser.open("/knowledge/versions")
        assert item_id in browser.find(f"#version-{draft_id}").text  # what the draft changes against the published
        browser.screenshot("knowledge-versions", tmp_path)
        browser.fill(f"#version-{draft_id} input[name=reason]", "答复期限更新上线")
        browser.find(f"#publish-{draft_id}").click()
        browser.wait_for(".flash", text=f"已发布版本 {draft_id}")
        assert "送达后30天" in _ask_until(stack, "kb-editor-after", "送达后30天")

        browser.open("/knowledge/versions")
        browser.fill(f"#version-{draft.based_on} input[name=reason]", "恢复原答复")
        browser.find(f"#rollback-{draft.based_on}").click()
        browser.wait_for(".flash", text=f"已回滚到版本 {draft.based_on}")
        restored = _ask_until(stack, "kb-editor-restored", "送达后20天")
        assert "送达后20天" in restored and "送达后30天" not in restored
    finally:
        browser.quit()
        engine.dispose()


# --- Random input in the item form: a page or a clear refusal, never a 500; what is stored loads and is clean.

FIELD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["<script>alert(1)</script>", "yes", "2026-12-05", "null", "[x]", "a: b", "# c", "- x", "'", '"', "{{7*7}}"]
    ),
    st.sampled_from(["\u0000", "\u000b", "\u202e\u200b\ufeff", "𠀀🀄️", "x\ny\n  z", "专" * 2_001, "a" * 20_001]),
)


def test_random_item_forms_never_break_the_page_and_store_only_what_loads(console, console_user, browser_client):
    from hypothesis import HealthCheck, given, settings

    console_user("admin", "admin")
    browser_client.sign_in("admin")
    browser_client.get(f"/knowledge/items/{ITEM}")
    base = _form()

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        changes=st.dictionaries(st.sampled_from([*base, "reason", "action", "base"]), FIELD_TEXT, max_size=4),
    )
    def post(changes):
        page = browser_client.post(f"/knowledge/items/{ITEM}", base | {"reason": "随机"} | changes)
        assert page.status in {200, 400, 404, 422}, (page.status, changes)
        assert "Traceback" not in page.text and "<script>alert(1)</script>" not in page.text

    post()
    service = KnowledgeVersions(console.ctx.sessions, console.ctx.clock)
    for version in service.versions():
        item = load_snapshot(service.version(version.id).files).items[ITEM]
        for text in (item.title.zh, item.title.en, item.answer.zh, item.answer.en, *item.keywords_zh, *item.sources):
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text) and len(text) <= 20_000, repr(text[:80])
