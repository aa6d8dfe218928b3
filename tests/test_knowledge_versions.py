"""Knowledge versions (issue 17, point 3): an edit is stored only when the knowledge check accepts it, published and
rolled back with audit entries, served by every action server within seconds without a restart, and kept in step
with the YAML files by export and import. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.desk.db import make_engine, sessions
from bot.desk.knowledge_versions import KnowledgeVersions, PublishedKnowledge, VersionRefused
from bot.desk.schema import AuditEntry, KnowledgePublication, KnowledgeVersion
from bot.processes import cli
from knowledge.snapshot import Snapshot, load_snapshot, read_snapshot
from knowledge.yamlfile import KnowledgeError
from tests.helpers.actors import Actor
from tests.helpers.databases import DESK_PG_URL

ITEM = "faq:337-what"
FILE = "faq/us_disputes.yml"
ROOT_DATA = Path(__file__).resolve().parent.parent / "knowledge" / "data"
OLD_DEADLINE = "答复期限通常只有送达后20天"
NEW_DEADLINE = "答复期限通常只有送达后30天"
EDITOR = Actor(username="li.editor", role="editor")


def edit_item(files: Snapshot, item_id: str, path: str, old: str, new: str) -> Snapshot:
    """The snapshot with `old` replaced by `new` once, inside item `item_id`'s block of `path`."""
    text = files[path]
    start = text.index(f"- id: {item_id}\n")
    end = text.find("\n- id: ", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end]
    assert old in block, f"{old!r} is not in {item_id}"
    return {**files, path: text[:start] + block.replace(old, new, 1) + text[end:]}


@pytest.fixture(scope="module")
def seed() -> Snapshot:
    return read_snapshot()


@pytest.fixture()
def versions(desk_sessions, desk_clock) -> KnowledgeVersions:
    return KnowledgeVersions(desk_sessions, desk_clock)


def audit_trail(versions: KnowledgeVersions) -> list[AuditEntry]:
    with versions.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.object_type == "knowledge").order_by(AuditEntry.id)
        return list(session.scalars(query))


def stored(versions: KnowledgeVersions) -> int:
    with versions.sessions() as session:
        return session.scalar(select(func.count()).select_from(KnowledgeVersion)) or 0


def database_url(engine: Engine) -> str:
    """The URL of the test's database, as another process is given it (on PostgreSQL, with the test's schema)."""
    if engine.dialect.name == "sqlite":
        return str(engine.url)
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    return f"{DESK_PG_URL}?options=-csearch_path%3D{schema}"


def second_engine(engine: Engine) -> Engine:
    """Another engine to the same database, as a second action server opens it: its own pool and connections."""
    return make_engine(database_url(engine))


def test_a_valid_edit_is_stored_and_published_and_served(versions, seed) -> None:
    served = PublishedKnowledge(versions.sessions, interval=0)
    assert served.publication is None and OLD_DEADLINE in served.get().items[ITEM].answer.zh  # the files, the seed

    first = versions.save(seed, "command-line", reason="种子：仓库中的知识库文件")
    versions.publish(first.id, "command-line", reason="首次发布")
    edited = versions.save(
        edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE), EDITOR, reason="期限更正", based_on=first.id
    )
    assert edited.based_on == first.id and edited.author == "li.editor" and edited.items == first.items
    assert OLD_DEADLINE in served.get().items[ITEM].answer.zh  # saved, not yet published

    publication = versions.publish(edited.id, EDITOR, reason="期限更正为30天")
    current = versions.published()
    assert current is not None and current.version.id == edited.id and current.publication.id == publication.id
    answer = served.get().items[ITEM].answer.zh
    assert NEW_DEADLINE in answer and OLD_DEADLINE not in answer
    assert served.get().items[ITEM].origin.startswith(f"{FILE}:")  # problems and reports name the snapshot's files
    # The YAML as written, comments and all, is what is stored and given back.
    stored_text = versions.version(edited.id).files[FILE]
    assert stored_text.startswith("# FAQ: US Section 337 investigations") and NEW_DEADLINE in stored_text


def test_an_invalid_edit_is_refused_by_file_and_line_and_nothing_is_stored(versions, seed) -> None:
    broken = edit_item(seed, ITEM, FILE, "checked: 2026-12-05", "checked: 2099-12-05")
    broken = edit_item(broken, "faq:uk-after-brexit", "faq/europe_uk.yml", "  title:\n", "  titel:\n")
    with pytest.raises(KnowledgeError) as refused:
        versions.save(broken, EDITOR, reason="改错了")
    problems = {str(problem) for problem in refused.value.problems}
    assert f"{FILE}:7: {ITEM}: checked: 2099-12-05 is in the future" in problems, problems
    assert any(p.startswith("faq/europe_uk.yml:7: faq:uk-after-brexit") and "title" in p for p in problems), problems
    # A path outside the knowledge files, a missing reason and an unknown base are refused too.
    with pytest.raises(KnowledgeError, match=r"\.\./etc/passwd:1: not a knowledge file"):
        versions.save({**seed, "../etc/passwd": "x"}, EDITOR, reason="越界")
    with pytest.raises(VersionRefused, match="reason is required"):
        versions.save(seed, EDITOR, reason="   ")
    with pytest.raises(VersionRefused, match="no knowledge version 41"):
        versions.save(seed, EDITOR, reason="基于不存在的版本", based_on=41)
    assert stored(versions) == 0 and audit_trail(versions) == []


def test_a_rollback_restores_the_earlier_text_and_every_step_is_audited(versions, seed, desk_clock) -> None:
    served = PublishedKnowledge(versions.sessions, interval=0)
    first = versions.save(seed, "command-line", reason="种子")
    versions.publish(first.id, "command-line", reason="首次发布")
    second = versions.save(
        edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE), EDITOR, reason="期限更正", based_on=first.id
    )
    versions.publish(second.id, EDITOR, reason="期限更正为30天")
    assert NEW_DEADLINE in served.get().items[ITEM].answer.zh

    with pytest.raises(VersionRefused, match="not earlier than the published version"):
        versions.rollback(second.id, EDITOR, reason="回滚到自己")
    with pytest.raises(VersionRefused, match="already the published version"):
        versions.publish(second.id, EDITOR, reason="再发布一次")
    rollback = versions.rollback(first.id, EDITOR, reason="30天有误，恢复原文")
    assert rollback.kind == "rollback" and rollback.version_id == first.id
    assert OLD_DEADLINE in served.get().items[ITEM].answer.zh and NEW_DEADLINE not in served.get().items[ITEM].answer.zh
    assert [p.version_id for p in versions.publications()] == [first.id, second.id, first.id]

    trail = [(e.action, e.object_id, e.username) for e in audit_trail(versions)]
    assert trail == [
        ("save_knowledge", str(first.id), "command-line"),
        ("publish_knowledge", str(first.id), "command-line"),
        ("save_knowledge", str(second.id), "li.editor"),
        ("publish_knowledge", str(second.id), "li.editor"),
        ("rollback_knowledge", str(first.id), "li.editor"),
    ]
    entries = audit_trail(versions)
    assert entries[2].detail["changed"] == [ITEM] and entries[2].detail["based_on"] == first.id
    assert entries[3].detail["previous"] == first.id and entries[3].detail["reason"] == "期限更正为30天"
    assert entries[4].detail["changed"] == [ITEM] and entries[4].detail["previous"] == second.id
    assert entries[4].role == "editor" and entries[4].ip == "127.0.0.1"


def test_the_diff_of_two_versions_names_the_items_added_changed_and_removed(versions, seed) -> None:
    first = versions.save(seed, "command-line", reason="种子")
    text = seed["faq/europe_uk.yml"]
    start = text.index("- id: faq:uk-after-brexit\n")
    end = text.index("\n- id: ", start + 1) + 1
    moved = text[start:end].replace("faq:uk-after-brexit", "faq:uk-brexit-2026")
    changed = edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE)
    changed["faq/europe_uk.yml"] = text[:start] + text[end:] + "\n" + moved
    second = versions.save(changed, EDITOR, reason="改名并更正期限", based_on=first.id)
    change = versions.diff(first.id, second.id)
    assert (change.added, change.changed, change.removed) == (["faq:uk-brexit-2026"], [ITEM], ["faq:uk-after-brexit"])
    assert versions.diff(first.id, first.id).empty


def test_two_action_servers_both_serve_a_publish_within_seconds(versions, seed, desk_engine) -> None:
    other = second_engine(desk_engine)
    try:
        servers = [PublishedKnowledge(versions.sessions), PublishedKnowledge(sessions(other))]
        first = versions.save(seed, "command-line", reason="种子")
        versions.publish(first.id, "command-line", reason="首次发布")
        for server in servers:
            assert OLD_DEADLINE in server.get().items[ITEM].answer.zh
        edited = versions.save(
            edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE), EDITOR, reason="期限更正", based_on=first.id
        )
        versions.publish(edited.id, EDITOR, reason="期限更正为30天")
        published_at = time.monotonic()
        waiting = set(range(len(servers)))
        while waiting and time.monotonic() - published_at < 10:
            waiting = {n for n in waiting if NEW_DEADLINE not in servers[n].get().items[ITEM].answer.zh}
            time.sleep(0.1)
        assert not waiting, f"servers {waiting} still serve the old text after 10 s"
        assert time.monotonic() - published_at < 2 * 2.0 + 1  # within the poll interval, with room for a slow load
    finally:
        other.dispose()


def test_a_broken_version_in_the_database_never_replaces_the_last_good_one(versions, seed, caplog) -> None:
    served = PublishedKnowledge(versions.sessions, interval=0)
    good = versions.save(edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE), EDITOR, reason="期限更正")
    versions.publish(good.id, EDITOR, reason="发布")
    assert NEW_DEADLINE in served.get().items[ITEM].answer.zh
    # A version the check refuses can only get there behind the service's back (or by a change of the rules).
    with versions.sessions.begin() as session:
        bad = KnowledgeVersion(
            created_at=versions.clock.now(),
            author="someone",
            reason="直接写库",
            digest="0" * 64,
            items=0,
            files={**seed, FILE: "- id: [unclosed"},
        )
        session.add(bad)
        session.flush()
        session.add(
            KnowledgePublication(version_id=bad.id, kind="publish", at=versions.clock.now(), by="x", reason="x")
        )
    with caplog.at_level(logging.ERROR, logger="bot.desk.knowledge_versions"):
        kb = served.get()
    assert NEW_DEADLINE in kb.items[ITEM].answer.zh
    assert f"(version {bad.id}) rejected, keeping the last good knowledge" in caplog.text
    assert re.search(rf"{FILE}:\d+: YAML syntax error", caplog.text), caplog.text


def test_a_published_version_todays_checks_refuse_can_be_replaced_by_an_import_a_publish_and_a_rollback(
    versions, seed
) -> None:
    """The published version was valid when saved; the checks changed and now refuse it (the serving processes keep
    their last good knowledge). Editors must still be able to put a valid version live — it was refused, with the
    broken version's YAML error, because the audit's diff and the conflict check loaded the version served."""
    first = versions.save(seed, EDITOR, reason="种子")
    versions.publish(first.id, EDITOR, reason="上线")
    edited = edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE)
    draft = versions.save(edited, EDITOR, reason="期限更正", based_on=first.id)
    broken = versions.save(seed | {FILE: seed[FILE] + "\n"}, EDITOR, reason="后来被规则拒绝", based_on=first.id)
    versions.publish(broken.id, EDITOR, reason="上线")
    with versions.sessions.begin() as session:  # today's checks refuse it (here: it is no longer YAML)
        row = session.get(KnowledgeVersion, broken.id)
        assert row is not None
        row.files = {**row.files, FILE: "- id: [unclosed"}

    versions.publish(draft.id, EDITOR, reason="修正后上线")  # a draft of the version before it
    assert versions.published().version.id == draft.id  # type: ignore[union-attr]
    publish = audit_trail(versions)[-1]
    assert publish.action == "publish_knowledge" and publish.detail["previous"] == broken.id
    assert "changed" not in publish.detail and publish.detail["previous_unloadable"] is True

    def live_again() -> None:  # what was published before the checks changed
        with versions.sessions.begin() as session:
            session.add(
                KnowledgePublication(version_id=broken.id, kind="publish", at=versions.clock.now(), by="x", reason="x")
            )

    live_again()
    versions.rollback(first.id, EDITOR, reason="回到种子")  # away from it by a rollback, too
    assert versions.published().version.id == first.id  # type: ignore[union-attr]
    live_again()
    imported, _ = versions.import_directory(ROOT_DATA, EDITOR, reason="导入仓库文件", publish=True)  # based on it
    assert imported.based_on == broken.id and versions.published().version.id == imported.id  # type: ignore[union-attr]


def test_an_unreachable_database_keeps_the_last_good_knowledge_and_is_logged_once(versions, seed, caplog) -> None:
    reachable = True

    def factory():
        if not reachable:
            raise ConnectionError("the desk's database is down")
        return versions.sessions

    served = PublishedKnowledge(factory, interval=0)
    edited = versions.save(edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE), EDITOR, reason="期限更正")
    versions.publish(edited.id, EDITOR, reason="发布")
    assert NEW_DEADLINE in served.get().items[ITEM].answer.zh
    reachable = False
    with caplog.at_level(logging.ERROR, logger="bot.desk.knowledge_versions"):
        for _ in range(3):
            assert NEW_DEADLINE in served.get().items[ITEM].answer.zh
    assert caplog.text.count("the published version could not be read") == 1
    assert PublishedKnowledge(factory, interval=0).get().items[ITEM].answer.zh.count(OLD_DEADLINE) == 1  # the files


def test_with_nothing_published_the_files_are_served_and_export_says_so(versions, tmp_path) -> None:
    served = PublishedKnowledge(versions.sessions, interval=0)
    assert OLD_DEADLINE in served.get().items[ITEM].answer.zh and served.publication is None
    assert versions.published() is None
    with pytest.raises(VersionRefused, match="nothing is published yet"):
        versions.export_published(tmp_path)
    with pytest.raises(VersionRefused, match="nothing to roll back"):
        versions.rollback(1, EDITOR, reason="回滚")


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*.yml"))
        if path.is_file()
    }


def test_export_then_import_through_the_command_line_is_identical(
    versions, seed, desk_engine, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("IPDESK_DATABASE_URL", database_url(desk_engine))
    data = Path(__file__).resolve().parent.parent / "knowledge" / "data"
    assert cli.main(["knowledge-import", str(data), "--reason", "种子", "--publish", "--by", "wang"]) == 0
    assert "stored as knowledge version 1 (" in capsys.readouterr().out
    current = versions.published()
    assert current is not None and current.version.files == seed and current.publication.by == "wang"

    exported = tmp_path / "exported"
    (exported / "faq").mkdir(parents=True)
    (exported / "faq" / "left_over.yml").write_text("- id: faq:gone\n", encoding="utf-8")  # not in the version
    assert cli.main(["knowledge-export", str(exported)]) == 0
    assert files_of(exported) == files_of(data)  # byte for byte: comments, order and blank lines kept

    (exported / FILE).write_text(
        edit_item(seed, ITEM, FILE, OLD_DEADLINE, NEW_DEADLINE)[FILE], encoding="utf-8", newline=""
    )
    assert cli.main(["knowledge-import", str(exported), "--reason", "期限更正"]) == 0
    assert "stored as knowledge version 2" in capsys.readouterr().out
    assert versions.version(2).based_on == 1 and versions.published().version.id == 1  # type: ignore[union-attr]

    (exported / FILE).write_text("- id: [unclosed\n", encoding="utf-8")
    assert cli.main(["knowledge-import", str(exported), "--reason", "坏文件", "--publish"]) == 1
    assert re.search(rf"{FILE}:\d+: YAML syntax error", capsys.readouterr().err)
    assert [v.id for v in versions.versions()] == [2, 1]

    assert cli.main(["knowledge-versions"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("     2 ") and listing[1].startswith("*    1 ") and "种子" in listing[1]

    assert cli.main(["knowledge-publish", "2", "--reason", "期限更正为30天", "--by", "li"]) == 0
    assert NEW_DEADLINE in PublishedKnowledge(versions.sessions).get().items[ITEM].answer.zh
    assert cli.main(["knowledge-rollback", "2", "--reason", "回滚到自己"]) == 1
    assert "not earlier than the published version 2" in capsys.readouterr().err
    assert cli.main(["knowledge-rollback", "1", "--reason", "恢复原文", "--by", "li"]) == 0
    assert OLD_DEADLINE in PublishedKnowledge(versions.sessions).get().items[ITEM].answer.zh
    assert [(p.version_id, p.kind, p.by) for p in versions.publications()] == [
        (1, "rollback", "li"),
        (2, "publish", "li"),
        (1, "publish", "wang"),
    ]


# --- The whole path: a publish in the desk's database changes what the running bot answers, without a restart.

QUESTION = "被ITC发起337调查的话，一般要多长时间才结束"
MARKER = "【新版答复】"


def edit_answer(files: Snapshot, item, marker: str) -> Snapshot:
    """The snapshot with the start of `item`'s Chinese answer replaced by `marker` (same length: within the limit)."""
    path = item.origin.rpartition(":")[0]
    text = files[path]
    start = text.index(f"- id: {item.id}\n")
    answer = text.index("  answer:\n", start)
    first = item.answer.zh[: len(marker)]
    at = text.index(first, answer)
    return {**files, path: text[:at] + marker + text[at + len(first) :]}


def answer_of(stack, sender: str) -> tuple[str, str]:
    from tests.helpers.rest import customs, say

    replies = say(stack, sender, QUESTION)
    (custom,) = customs(replies)
    assert custom["kind"] == "answer", custom
    return custom["sources"][0], next(r["text"] for r in replies if "text" in r)


def ask_until(stack, sender: str, wanted, seconds: float = 10.0) -> str:
    """Ask until the reply's text satisfies `wanted` (a publish is served within the poll interval); the last text."""
    deadline = time.monotonic() + seconds
    turn = 0
    while True:
        turn += 1
        _, text = answer_of(stack, f"{sender}-{turn}")
        if wanted(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def test_a_publish_and_a_rollback_change_the_running_bot_s_answer(stack) -> None:
    from bot.clock import SystemClock

    engine = make_engine(stack.environment()["IPDESK_DATABASE_URL"])
    versions = KnowledgeVersions(sessions(engine), SystemClock())
    try:
        item_id, before = answer_of(stack, "kb-version-before")
        assert MARKER not in before
        base = versions.published()
        seed = base.version if base is not None else versions.save(read_snapshot(), "test", reason="种子")
        if base is None:
            versions.publish(seed.id, "test", reason="首次发布")
        item = load_snapshot(seed.files).items[item_id]
        edited = versions.save(edit_answer(seed.files, item, MARKER), EDITOR, reason="更新答复", based_on=seed.id)
        versions.publish(edited.id, EDITOR, reason="更新答复")

        after = ask_until(stack, "kb-version-after", lambda text: MARKER in text)
        assert MARKER in after and item.answer.zh[len(MARKER) : len(MARKER) + 20] in after, after

        versions.rollback(seed.id, EDITOR, reason="恢复原答复")
        restored = ask_until(stack, "kb-version-restored", lambda text: MARKER not in text)
        assert MARKER not in restored and item.answer.zh[:20] in restored, restored
    finally:
        engine.dispose()
