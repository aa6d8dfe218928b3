"""A draft carried onto a newer published version (knowledge/merging.py), new and removed items written in place
(knowledge/editing.py) and what names an item (knowledge/references.py) — on the repository's knowledge files;
and the versions service's conflict check, merge and rejection on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest

from bot.desk.knowledge_versions import KnowledgeVersions, VersionConflict, VersionRefused
from knowledge.editing import edit_item, form_values, new_item, remove_item
from knowledge.merging import compare, merge
from knowledge.references import references
from knowledge.snapshot import Snapshot, diff, load_snapshot, read_snapshot
from knowledge.yamlfile import KnowledgeError
from tests.helpers.actors import Actor
from tests.helpers.crossing import Crossing

EDITOR = Actor(username="li.editor", role="editor")
STAFF = Actor(username="wang", role="staff")


@pytest.fixture(scope="module")
def base() -> Snapshot:
    return read_snapshot()


def retitled(files: Snapshot, item_id: str, title: str) -> Snapshot:
    item = load_snapshot(files).items[item_id]
    return edit_item(files, item, form_values(files, item) | {"title.zh": title})


def test_a_new_item_goes_after_the_last_of_its_kind_and_nothing_else_moves(base):
    kb = load_snapshot(base)
    values = {
        "title.zh": "新问题",
        "title.en": "A new question",
        "answer.zh": "答复。",
        "answer.en": "The answer.",
        "keywords.zh": "新词",
        "keywords.en": "new word",
        "policy": "policy:5",
        "sources": "《实施意见》第（五）条",
        "intents": "ask_customs_seizure",
    }
    files = new_item(base, kb.items, "faq", "faq/us_disputes.yml", "faq:a-new-one", values, datetime.date(2026, 12, 1))
    assert [path for path in base if files[path] != base[path]] == ["faq/us_disputes.yml"]
    assert files["faq/us_disputes.yml"].startswith(base["faq/us_disputes.yml"])
    change = diff(kb, load_snapshot(files))
    assert change.added == ["faq:a-new-one"] and not change.changed and not change.removed
    assert load_snapshot(files).items["faq:a-new-one"].checked == datetime.date(2026, 12, 1)


def test_a_removed_item_takes_only_its_own_lines(base):
    kb = load_snapshot(base)
    files = remove_item(base, kb.items["referral:tax"])
    assert [path for path in base if files[path] != base[path]] == ["referrals.yml"]
    gone = set(base["referrals.yml"].splitlines()) - set(files["referrals.yml"].splitlines())
    assert any("referral:tax" in line for line in gone)
    assert diff(kb, load_snapshot(files)).removed == ["referral:tax"]


def test_what_names_an_item_is_found_in_the_code_the_evaluation_sets_and_other_items(base):
    kb = load_snapshot(base)
    assert any(ref.where == "actions/warnings.py" for ref in references(kb, "faq:province-warnings"))
    assert any(ref.where == "knowledge/loader.py" for ref in references(kb, "referral:default"))
    assert references(kb, "case:de-lg-mannheim-7-o-214-10-sauggreifer") == []  # named by no code, set or item


def test_disjoint_changes_merge_item_by_item_and_a_file_only_the_draft_changed_is_taken_whole(base):
    published = retitled(base, "faq:337-what", "已发布的新标题")
    draft = retitled(base, "faq:337-timeline", "草稿的新标题")
    draft = remove_item(draft, load_snapshot(draft).items["checklist:united-kingdom"])
    draft = {**draft, "vocabulary.yml": draft["vocabulary.yml"] + "# a note from the draft\n"}
    divergence = compare(base, draft, published)
    assert not divergence.conflicts and divergence.would_undo and divergence.theirs.changed == ["faq:337-what"]
    merged = merge(base, draft, published)
    kb = load_snapshot(merged)
    assert (
        kb.items["faq:337-what"].title.zh == "已发布的新标题"
        and kb.items["faq:337-timeline"].title.zh == "草稿的新标题"
    )
    assert "checklist:united-kingdom" not in kb.items and merged["vocabulary.yml"] == draft["vocabulary.yml"]


def test_an_item_or_a_plain_file_changed_on_both_sides_is_a_conflict(base):
    published = retitled(base, "faq:337-what", "甲")
    draft = retitled(base, "faq:337-what", "乙")
    assert compare(base, draft, published).both == ["faq:337-what"]
    with pytest.raises(KnowledgeError, match="faq:337-what"):
        merge(base, draft, published)
    noted = {**base, "vocabulary.yml": base["vocabulary.yml"] + "# a\n"}
    other = {**base, "vocabulary.yml": base["vocabulary.yml"] + "# b\n"}
    assert compare(base, noted, other).files == ["vocabulary.yml"]


@pytest.fixture()
def versions(desk_sessions, desk_clock) -> KnowledgeVersions:
    return KnowledgeVersions(desk_sessions, desk_clock)


def test_a_draft_from_before_a_rollback_cannot_bring_back_what_was_rolled_back(versions, base):
    seed = versions.save(base, EDITOR, reason="seed").id
    versions.publish(seed, EDITOR, reason="seed")
    changed = versions.save(retitled(base, "faq:337-what", "后来撤回的标题"), EDITOR, reason="a", based_on=seed)
    versions.publish(changed.id, EDITOR, reason="a")
    draft_files = retitled(versions.version(changed.id).files, "faq:337-timeline", "草稿")
    draft = versions.save(draft_files, EDITOR, reason="b", based_on=changed.id)
    versions.rollback(seed, EDITOR, reason="撤回 a")
    with pytest.raises(VersionConflict, match="合并到当前发布版本"):
        versions.publish(draft.id, EDITOR, reason="b")
    merged = versions.merge(draft.id, EDITOR, reason="合并 b")
    kb = load_snapshot(versions.version(merged.id).files)
    assert kb.items["faq:337-timeline"].title.zh == "草稿" and kb.items["faq:337-what"].title.zh != "后来撤回的标题"
    versions.publish(merged.id, EDITOR, reason="b")


def test_a_merged_proposal_stays_a_proposal_and_a_rejection_is_once(versions, base):
    seed = versions.save(base, EDITOR, reason="seed").id
    versions.publish(seed, EDITOR, reason="seed")
    proposal = versions.save(
        retitled(base, "faq:337-timeline", "提议"), STAFF, reason="p", based_on=seed, proposed=True
    )
    newer = versions.save(retitled(base, "faq:337-what", "编辑"), EDITOR, reason="e", based_on=seed)
    versions.publish(newer.id, EDITOR, reason="e")
    merged = versions.merge(proposal.id, EDITOR, reason="合并提议")
    assert merged.proposed and merged.merged_from == proposal.id
    with pytest.raises(VersionRefused, match="不是提议"):
        versions.reject(newer.id, EDITOR, reason="x")
    versions.reject(merged.id, EDITOR, reason="不需要")
    with pytest.raises(VersionRefused, match="已被退回"):
        versions.reject(merged.id, EDITOR, reason="again")
    assert set(versions.rejections()) == {merged.id}


def test_the_same_change_on_both_sides_is_no_conflict_and_nothing_to_undo(base):
    both = retitled(base, "faq:337-what", "同样的标题")
    draft = retitled(both, "faq:337-timeline", "只在草稿")
    divergence = compare(base, draft, both)
    assert not divergence.conflicts and not divergence.would_undo and divergence.both == []


def test_a_draft_edited_on_another_draft_of_the_published_version_publishes_as_it_is(versions, base):
    """Several edits go out together by editing on the newest draft (the pages point to it): no conflict."""
    seed = versions.save(base, EDITOR, reason="seed").id
    versions.publish(seed, EDITOR, reason="seed")
    first = versions.save(retitled(base, "faq:337-what", "一"), EDITOR, reason="1", based_on=seed)
    second_files = retitled(versions.version(first.id).files, "faq:337-timeline", "二")
    second = versions.save(second_files, EDITOR, reason="2", based_on=first.id)
    assert versions.divergence(second.id) is None
    versions.publish(second.id, EDITOR, reason="both")
    versions.publish(seed, EDITOR, reason="restore the seed")  # publishing a version published before: a restore


def test_a_publish_crossed_by_another_editors_publish_is_refused_and_does_not_undo_it(
    versions, base, desk_sessions, desk_clock
):
    """Two editors publish two drafts of the same published version at the same moment: the second to write must
    not go live, since it would silently undo the first (the conflict check was made before the first went live)."""
    seed = versions.save(base, EDITOR, reason="seed").id
    versions.publish(seed, EDITOR, reason="seed")
    mine = versions.save(retitled(base, "faq:337-what", "甲的标题"), EDITOR, reason="a", based_on=seed).id
    theirs = versions.save(retitled(base, "faq:337-timeline", "乙的标题"), EDITOR, reason="b", based_on=seed).id

    # Reading the time to write my publication is when the other editor's goes live.
    other = Actor(username="zhao.editor", role="editor")
    me = KnowledgeVersions(
        desk_sessions, Crossing(desk_clock, lambda: versions.publish(theirs, other, reason="b 上线"))
    )
    with pytest.raises(VersionRefused, match=f"版本 {theirs}"):
        me.publish(mine, EDITOR, reason="a 上线")
    current = versions.published()
    assert current is not None and current.version.id == theirs  # theirs stays live
    assert [p.version_id for p in versions.publications()] == [theirs, seed]
    with pytest.raises(VersionConflict):  # tried again, mine is told to merge first
        versions.publish(mine, EDITOR, reason="a 上线")
    merged = versions.merge(mine, EDITOR, reason="合并")
    versions.publish(merged.id, EDITOR, reason="合并上线")
    kb = load_snapshot(versions.version(merged.id).files)
    assert kb.items["faq:337-what"].title.zh == "甲的标题" and kb.items["faq:337-timeline"].title.zh == "乙的标题"


def _rejected_while(versions: KnowledgeVersions, first_editor) -> tuple[int, BaseException | None]:
    """A proposal, and what a second editor's rejection of it gives while `first_editor(session, proposal_id)` has
    written, not yet committed, what the first editor does with it."""
    import threading
    import time

    seed = versions.save(read_snapshot(), EDITOR, reason="seed")
    files = retitled(read_snapshot(), "faq:337-what", "提议")
    proposal = versions.save(files, STAFF, reason="p", based_on=seed.id, proposed=True)
    outcome: list[BaseException | None] = []

    def second_editor() -> None:
        try:
            versions.reject(proposal.id, Actor(username="zhao.editor", role="editor"), reason="也退回")
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 — what the console would be given
            outcome.append(error)

    with versions.sessions.begin() as session:
        first_editor(session, proposal.id)
        session.flush()
        other = threading.Thread(target=second_editor)
        other.start()
        time.sleep(1.0)  # the second is past its checks, or waits for a lock (SQLite: the write lock)
    other.join(30)
    assert len(outcome) == 1, outcome
    return proposal.id, outcome[0]


def test_two_editors_rejecting_one_proposal_at_once_get_a_rejection_and_a_clear_refusal(versions):
    """The second rejection waits on the first's row (the unique version_id) and is then told the proposal was
    rejected already, instead of failing on the database's constraint (a server error in the console)."""
    from bot.desk.schema import KnowledgeRejection

    def rejects(session, proposal_id: int) -> None:
        session.add(KnowledgeRejection(version_id=proposal_id, at=versions.clock.now(), by="li.editor", reason="退回"))

    _, refused = _rejected_while(versions, rejects)
    assert isinstance(refused, VersionRefused) and "已被退回" in str(refused), refused
    assert [r.by for r in versions.rejections().values()] == ["li.editor"]


def test_a_proposal_rejected_while_another_editor_publishes_it_is_not_both(versions):
    """A rejection that comes while the proposal's publish is being written waits for it, and is then refused:
    never a proposal that is live and shown to its author as rejected, with its gaps open again."""
    from sqlalchemy import func, select

    from bot.desk.knowledge_versions import PUBLISH_LOCK
    from bot.desk.schema import KnowledgePublication

    def publishes(session, proposal_id: int) -> None:  # as `publish` writes it
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(PUBLISH_LOCK)))
        at = versions.clock.now()
        session.add(KnowledgePublication(version_id=proposal_id, kind="publish", at=at, by="li", reason="批准"))

    _, refused = _rejected_while(versions, publishes)
    assert isinstance(refused, VersionRefused) and "已发布过" in str(refused), refused
    assert versions.rejections() == {}
