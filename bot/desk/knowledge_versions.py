"""The knowledge's versions: saved, published and rolled back in the desk's database, served by every process.

Until now an answer changed only through a YAML file and a restart. Here a version is a complete snapshot of the
knowledge files (knowledge/snapshot.py), stored only when `KnowledgeBase.load` accepts it — the validation of
`python -m knowledge check` — so a refused edit comes back with every problem by file and line and stores nothing.
Publishing a version appends to the publication log, whose newest row is the knowledge every process serves; a
rollback publishes an earlier version again as a new row, so the log is the history of what was live when. Every
save, publish and rollback is in the console's audit trail (bot/desk/audit.py) in the same transaction.

A draft records the version it was edited from (`based_on`). Publishing it when another version has gone live since
would silently undo what that one changed, so `publish` compares the three item by item (knowledge/merging.py):
an item changed on both sides refuses the publish (`VersionConflict`, nothing changed); otherwise `merge` stores a
new draft, the published version plus the draft's changes, which can be published. Staff save drafts as proposals
(`proposed`); an editor publishes (approves) one or rejects it with a reason the author is shown (the gap queue's
questions it adopted are open again).

`PublishedKnowledge` is the `LiveKnowledge` of a process with the database (the action servers, the console): it
asks the database at most every `POLL_SECONDS` for the newest publication — one small query — and loads a new one
when it changed, so every action server of the scaled-out layout serves a publish within seconds, without a
restart. With nothing published it serves knowledge/data as before: the YAML in the repository is the seed, and
`python -m bot.processes.cli knowledge-import|knowledge-export` keep the files and the database in step.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from bot.clock import Clock
from bot.desk import audit
from bot.desk.schema import KnowledgeGap, KnowledgePublication, KnowledgeRejection, KnowledgeVersion
from knowledge.base import KnowledgeBase, LiveKnowledge
from knowledge.loader import DATA_DIR
from knowledge.merging import Divergence, compare, merge
from knowledge.snapshot import (
    KnowledgeDiff,
    Snapshot,
    diff,
    digest,
    is_knowledge_path,
    load_snapshot,
    read_snapshot,
    write_snapshot,
)
from knowledge.yamlfile import KnowledgeError

log = logging.getLogger(__name__)

#: How often a serving process asks whether another version was published: a publish is live within this.
POLL_SECONDS = 2.0
#: At most this many item ids of a diff go into an audit entry (the counts are always whole).
AUDITED_IDS = 50

Who = audit.Who


class VersionRefused(ValueError):
    """A request about versions that cannot be carried out as asked (unknown version, no reason, nothing to roll back
    to); the message says why, for a 4xx answer. Nothing was changed."""


class VersionConflict(VersionRefused):
    """A draft based on an older version than the published one, which has changes of its own since: publishing the
    draft would undo them. With an item changed on both sides it cannot be merged either. Nothing was changed."""

    def __init__(self, version_id: int, base_id: int, published_id: int, divergence: Divergence) -> None:
        start = f"版本 {version_id} 基于版本 {base_id} 编辑，此后已发布版本 {published_id}"
        if divergence.conflicts:
            names = "、".join([*divergence.both, *divergence.files])
            message = (
                f"{start}；双方都修改了 {names}。直接发布会撤销已发布的修改，也无法自动合并："
                "请在当前发布的版本上重新修改这些条目。"
            )
        else:
            message = f"{start}，直接发布会撤销其中的修改。请先“合并到当前发布版本”，再发布合并后的版本。"
        super().__init__(message)
        self.divergence = divergence


#: Run in the transaction that stores a version, with it (the gap queue marks the gaps it adopted).
AlsoInTransaction = Optional[Callable[[Session, KnowledgeVersion], None]]


@dataclass(frozen=True)
class Published:
    """The version being served and the publication that made it so."""

    version: KnowledgeVersion
    publication: KnowledgePublication


def _reason(reason: str) -> str:
    return audit.required_reason(
        reason, VersionRefused("say why (a reason is required: it is what the history and the audit trail show)")
    )


def _audit(session: Session, who: Who, action: str, at: datetime, version_id: int, detail: dict[str, object]) -> None:
    audit.record_as(session, who, action, at=at, object_type="knowledge", object_id=version_id, detail=detail)


def _diff_detail(change: KnowledgeDiff | None) -> dict[str, object]:
    if change is None:
        return {}
    return {
        "added": change.added[:AUDITED_IDS],
        "changed": change.changed[:AUDITED_IDS],
        "removed": change.removed[:AUDITED_IDS],
        "counts": [len(change.added), len(change.changed), len(change.removed)],
    }


def _refuse_rejected(session: Session, version_id: int) -> None:
    """VersionRefused for a rejected proposal: it is no draft to publish or merge (a page opened before the rejection
    still offers both)."""
    rejection = session.scalars(select(KnowledgeRejection).where(KnowledgeRejection.version_id == version_id)).first()
    if rejection is not None:
        raise VersionRefused(f"版本 {version_id} 已被 {rejection.by} 退回（{rejection.reason}），不能发布或合并。")


def _refuse_merged(session: Session, version_id: int, what_now: str) -> None:
    """VersionRefused for a draft already merged onto a newer published version: its change lives on in the merged
    draft, which is what is reviewed and published (`what_now` says so)."""
    merged_into = session.scalar(select(KnowledgeVersion.id).where(KnowledgeVersion.merged_from == version_id))
    if merged_into is not None:
        raise VersionRefused(f"版本 {version_id} 已合并为版本 {merged_into}：{what_now}。")


#: The PostgreSQL advisory lock that makes publications and rejections one at a time (a number unused elsewhere).
PUBLISH_LOCK = 0x6B6E6F77


def _one_at_a_time(session: Session) -> None:
    """Publications and rejections one at a time, to `session`'s commit: a publish and a rejection of the same
    proposal, or two publishes, each see what the other wrote (PostgreSQL: an advisory lock held to the commit;
    SQLite: the engine begins every transaction IMMEDIATE, holding the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(PUBLISH_LOCK)))


def _refuse_crossed(session: Session, checked: Published | None) -> None:
    """VersionRefused when another publication went live since `checked` was read (two editors publishing at the same
    moment): the conflict check was made against `checked`, and going live now could undo the other."""
    _one_at_a_time(session)
    newest = session.scalars(select(KnowledgePublication).order_by(KnowledgePublication.id.desc()).limit(1)).first()
    if (newest.id if newest else None) != (checked.publication.id if checked else None):
        assert newest is not None
        raise VersionRefused(
            f"就在此时 {newest.by} 发布了版本 {newest.version_id}，本次未发布：请刷新“版本与发布”页，确认后再操作。"
        )


def _loadable(version: KnowledgeVersion) -> KnowledgeBase | None:
    """`version`'s knowledge, or None when today's checks refuse it (it was valid when saved): such a version is
    served by no process (they keep their last good knowledge), so there is nothing of it to compare with or undo,
    and it must not stand in the way of the versions that replace it."""
    try:
        return load_snapshot(version.files)
    except KnowledgeError as error:
        log.warning("knowledge version %d does not load under today's checks: %s", version.id, error)
        return None


class KnowledgeVersions:
    """Saving, publishing and rolling back knowledge versions; listing and comparing them."""

    def __init__(self, sessions: sessionmaker, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    # --- reading

    def versions(self) -> list[KnowledgeVersion]:
        """Every version, newest first, without their files (`version(id)` has them)."""
        with self.sessions() as session:
            query = select(KnowledgeVersion).options(defer(KnowledgeVersion.files)).order_by(KnowledgeVersion.id.desc())
            return list(session.scalars(query))

    def version(self, version_id: int) -> KnowledgeVersion:
        with self.sessions() as session:
            found = session.get(KnowledgeVersion, version_id)
        if found is None:
            raise VersionRefused(f"there is no knowledge version {version_id}")
        return found

    def publications(self) -> list[KnowledgePublication]:
        """The publication log, newest first: the first is what is served."""
        with self.sessions() as session:
            return list(session.scalars(select(KnowledgePublication).order_by(KnowledgePublication.id.desc())))

    def published(self) -> Published | None:
        """The version being served, or None while nothing was published (the files in knowledge/data are)."""
        with self.sessions() as session:
            publication = session.scalars(
                select(KnowledgePublication).order_by(KnowledgePublication.id.desc()).limit(1)
            ).first()
            if publication is None:
                return None
            version = session.get(KnowledgeVersion, publication.version_id)
            assert version is not None  # the foreign key
            return Published(version, publication)

    def published_files(self) -> Snapshot | None:
        current = self.published()
        return dict(current.version.files) if current else None

    def diff(self, old_id: int, new_id: int) -> KnowledgeDiff:
        """The items added, changed and removed from version `old_id` to `new_id`."""
        return diff(load_snapshot(self.version(old_id).files), load_snapshot(self.version(new_id).files))

    # --- changing

    def save(
        self,
        files: Mapping[str, str],
        who: Who,
        *,
        reason: str,
        based_on: int | None = None,
        proposed: bool = False,
        merged_from: int | None = None,
        also: AlsoInTransaction = None,
    ) -> KnowledgeVersion:
        """Store `files` as a new version if they make a valid knowledge base (`proposed`: a staff proposal, for an
        editor to publish or reject). `also` runs in the same transaction, with the new version.

        Raises `KnowledgeError` with every problem by file and line, or `VersionRefused` (no reason, unknown base);
        either way nothing is stored. The version is not published: `publish` does that.
        """
        why = _reason(reason)
        snapshot = dict(sorted(files.items()))
        kb = load_snapshot(snapshot)  # KnowledgeError: refused, nothing stored
        base = self.version(based_on) if based_on is not None else None
        base_kb = _loadable(base) if base is not None else None
        change = diff(base_kb, kb) if base_kb is not None else None
        now = self.clock.now()
        with self.sessions.begin() as session:
            version = KnowledgeVersion(
                created_at=now,
                author=audit.name_of(who),
                reason=why,
                based_on=based_on,
                digest=digest(snapshot),
                items=len(kb.items),
                files=snapshot,
                proposed=proposed,
                merged_from=merged_from,
            )
            session.add(version)
            session.flush()
            detail: dict[str, object] = {"reason": why, "based_on": based_on, "items": len(kb.items)}
            if proposed:
                detail["proposed"] = True
            if merged_from is not None:
                detail["merged_from"] = merged_from
            _audit(session, who, "save_knowledge", now, version.id, {**detail, **_diff_detail(change)})
            if also is not None:
                also(session, version)
        log.info("knowledge version %d saved by %s (%d items): %s", version.id, version.author, version.items, why)
        return version

    def publish(self, version_id: int, who: Who, *, reason: str) -> KnowledgePublication:
        """Make version `version_id` the one every process serves (within `POLL_SECONDS`). A version that no longer
        loads (saved under older checks) raises `KnowledgeError` and nothing is published."""
        return self._publish(version_id, who, reason, "publish")

    def divergence(self, version_id: int) -> tuple[int, int, Divergence] | None:
        """For a draft edited from another version than the published one: (the base compared from, the published
        version, what each side changed since). None when nothing would be undone by publishing it as it is: it was
        edited from the published version (directly or through other drafts), it was published before (publishing it
        again is a restore), or it shares no history with the published version.

        The base is the draft's nearest ancestor that was ever published — what was live when the editing started,
        so a rollback since counts as a change of the published side — or, when none was, the nearest ancestor it
        shares with the published version.
        """
        current = self.published()
        if current is None:
            return None
        with self.sessions() as session:
            rows = session.execute(select(KnowledgeVersion.id, KnowledgeVersion.based_on)).all()
            parents: dict[int, int | None] = {row[0]: row[1] for row in rows}
            ever = set(session.scalars(select(KnowledgePublication.version_id)))
        if version_id not in parents or version_id in ever:
            return None

        def ancestors(start: int | None) -> list[int]:
            found: list[int] = []
            while start is not None and start not in found:
                found.append(start)
                start = parents.get(start)
            return found

        mine = ancestors(parents[version_id])
        shared = set(ancestors(current.version.id))
        base = next((v for v in mine if v in ever), None) or next((v for v in mine if v in shared), None)
        if base is None or base == current.version.id or _loadable(current.version) is None:
            return None
        return (
            base,
            current.version.id,
            compare(self.version(base).files, self.version(version_id).files, current.version.files),
        )

    def merge(self, version_id: int, who: Who, *, reason: str) -> KnowledgeVersion:
        """Store a new draft: the published version plus what draft `version_id` changed since its base (an
        item-level three-way merge). VersionConflict when an item changed on both sides; nothing stored."""
        why = _reason(reason)
        with self.sessions() as session:
            _refuse_rejected(session, version_id)
            _refuse_merged(session, version_id, "检查后发布该版本即可")
        found = self.divergence(version_id)
        if found is None:
            raise VersionRefused(f"版本 {version_id} 基于当前发布的版本（或尚无发布版本），无需合并，可直接发布。")
        base_id, published_id, divergence = found
        if divergence.conflicts:
            raise VersionConflict(version_id, base_id, published_id, divergence)
        draft, published = self.version(version_id), self.version(published_id)
        files = merge(self.version(base_id).files, draft.files, published.files)
        return self.save(files, who, reason=why, based_on=published_id, proposed=draft.proposed, merged_from=version_id)

    def reject(self, version_id: int, who: Who, *, reason: str) -> KnowledgeRejection:
        """Refuse a staff proposal, with the reason its author is shown. Only an open proposal can be: not
        published, not rejected before."""
        why = _reason(reason)
        version = self.version(version_id)
        if not version.proposed:
            raise VersionRefused(f"版本 {version_id} 不是提议，无需审核。")
        now = self.clock.now()
        with self.sessions.begin() as session:
            _one_at_a_time(session)  # a publish of it under way is seen, not crossed
            if session.scalar(select(KnowledgePublication.id).where(KnowledgePublication.version_id == version_id)):
                raise VersionRefused(f"版本 {version_id} 已发布过，不能再退回。")
            if session.scalar(select(KnowledgeRejection.id).where(KnowledgeRejection.version_id == version_id)):
                raise VersionRefused(f"版本 {version_id} 已被退回。")
            _refuse_merged(session, version_id, "请审核（发布或退回）该版本")
            rejection = KnowledgeRejection(version_id=version_id, at=now, by=audit.name_of(who), reason=why)
            session.add(rejection)
            try:
                session.flush()
            except IntegrityError:  # another editor rejected it in the same moment (PostgreSQL: past the check above)
                raise VersionRefused(f"版本 {version_id} 已被退回。") from None
            # The questions it took from the gap queue are open again: a merged proposal's gaps name the proposal it
            # was merged from (and that one's, for a merge of a merge).
            carried = [version_id]
            while (
                origin := session.scalar(select(KnowledgeVersion.merged_from).where(KnowledgeVersion.id == carried[-1]))
            ) is not None and origin not in carried:
                carried.append(origin)
            reopened = session.execute(
                update(KnowledgeGap)
                .where(KnowledgeGap.version_id.in_(carried), KnowledgeGap.status == "adopted")
                .values(status="open", version_id=None, handled_by=None, handled_at=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            detail: dict[str, object] = {"reason": why, "author": version.author, "gaps_reopened": reopened or 0}
            if len(carried) > 1:
                detail["merged_from"] = carried[1:]
            _audit(session, who, "reject_knowledge", now, version_id, detail)
        log.info(
            "knowledge version %d (a proposal by %s) rejected by %s: %s", version_id, version.author, rejection.by, why
        )
        return rejection

    def rejections(self) -> dict[int, KnowledgeRejection]:
        """Every rejected proposal's rejection, by version id."""
        with self.sessions() as session:
            return {r.version_id: r for r in session.scalars(select(KnowledgeRejection))}

    def rollback(self, version_id: int, who: Who, *, reason: str) -> KnowledgePublication:
        """Serve an earlier version again: one older than the version served now, published as a new entry of the
        log (the history keeps the version rolled back from)."""
        current = self.published()
        if current is None:
            raise VersionRefused("nothing is published yet: there is nothing to roll back")
        if version_id >= current.version.id:
            raise VersionRefused(
                f"version {version_id} is not earlier than the published version {current.version.id}: "
                "a rollback restores an earlier version (publish a newer one instead)"
            )
        return self._publish(version_id, who, reason, "rollback")

    def _publish(self, version_id: int, who: Who, reason: str, kind: str) -> KnowledgePublication:
        why = _reason(reason)
        version = self.version(version_id)
        current = self.published()
        if current is not None and current.version.id == version_id:
            raise VersionRefused(f"version {version_id} is already the published version")
        previous = current.version if current is not None else None
        if kind == "publish":
            found = self.divergence(version_id)
            if found is not None and found[2].would_undo:
                raise VersionConflict(version_id, found[0], found[1], found[2])
        served = load_snapshot(version.files)  # KnowledgeError: valid when saved, refused by today's checks; not served
        previous_kb = _loadable(previous) if previous is not None else None
        change = diff(previous_kb, served) if previous_kb is not None else None
        now = self.clock.now()
        with self.sessions.begin() as session:
            _refuse_crossed(session, current)
            if kind == "publish":  # in the transaction: an editor may reject it while another's page still offers it
                _refuse_rejected(session, version_id)
            publication = KnowledgePublication(
                version_id=version.id, kind=kind, at=now, by=audit.name_of(who), reason=why
            )
            session.add(publication)
            session.flush()
            _audit(
                session,
                who,
                f"{kind}_knowledge",
                now,
                version.id,
                {
                    "reason": why,
                    "publication": publication.id,
                    "previous": previous.id if previous is not None else None,
                    **({"previous_unloadable": True} if previous is not None and previous_kb is None else {}),
                    **_diff_detail(change),
                },
            )
        log.info(
            "knowledge version %d %s by %s (was %s): %s",
            version.id,
            "published" if kind == "publish" else "restored",
            publication.by,
            previous.id if previous is not None else "the files",
            why,
        )
        return publication

    # --- the files in step with the database

    def import_directory(
        self, directory: Path, who: Who, *, reason: str, publish: bool = False
    ) -> tuple[KnowledgeVersion, KnowledgePublication | None]:
        """Store the knowledge files under `directory` as a new version based on the published one (validated as
        `save` validates), and publish it if asked."""
        current = self.published()
        version = self.save(
            read_snapshot(directory), who, reason=reason, based_on=current.version.id if current else None
        )
        publication = self.publish(version.id, who, reason=reason) if publish else None
        return version, publication

    def export_published(self, directory: Path) -> list[Path]:
        """Write the published version's files under `directory` (the files already there are overwritten; a
        knowledge file the version lacks is removed, so the folder is the version; other files, such as jieba's
        dictionary, are left alone). Nothing published: VersionRefused."""
        files = self.published_files()
        if files is None:
            raise VersionRefused("nothing is published yet: the files in the repository are the knowledge")
        present = [path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()]
        stale = [directory / path for path in present if is_knowledge_path(path) and path not in files]
        written = write_snapshot(files, directory)
        for path in stale:
            path.unlink()
        return written


#: A session factory, or how to get one when it is first needed (the action server opens its database lazily).
SessionSource = Union[sessionmaker, Callable[[], sessionmaker]]


class PublishedKnowledge(LiveKnowledge):
    """The published knowledge version, for a process with the desk's database; the files while none is published.

    `get()` asks the database for the newest publication at most every `interval` seconds (one indexed query) and
    loads its version when it changed. A version that does not load (it was valid when saved, but the code may have
    changed since) is logged and the last good knowledge stays; so does a database that cannot be reached.
    """

    def __init__(self, sessions: SessionSource, *, interval: float = POLL_SECONDS, directory: Path = DATA_DIR) -> None:
        super().__init__(directory)
        self._sessions = sessions
        self.interval = interval
        self._poll_lock = threading.Lock()
        self._polled_at: float | None = None
        self._publication: int | None = None  # the publication served; None: the files
        self._published: KnowledgeBase | None = None
        self._unreachable = False

    @property
    def publication(self) -> int | None:
        """The id of the publication being served, None while the files are."""
        return self._publication

    def _factory(self) -> sessionmaker:
        return self._sessions if isinstance(self._sessions, sessionmaker) else self._sessions()

    def get(self) -> KnowledgeBase:
        with self._poll_lock:
            now = time.monotonic()
            if self._polled_at is None or now - self._polled_at >= self.interval:
                self._polled_at = now
                self._poll()
            if self._published is not None:
                return self._published
        return super().get()

    def _poll(self) -> None:
        try:
            with self._factory()() as session:
                newest = session.execute(
                    select(KnowledgePublication.id, KnowledgePublication.version_id)
                    .order_by(KnowledgePublication.id.desc())
                    .limit(1)
                ).first()
                if newest is None or newest.id == self._publication:
                    self._unreachable = False
                    return
                files = session.scalar(select(KnowledgeVersion.files).where(KnowledgeVersion.id == newest.version_id))
        except Exception:  # noqa: BLE001 — the chat goes on with the knowledge it has
            if not self._unreachable:
                log.exception("knowledge: the published version could not be read; serving the last good knowledge")
            self._unreachable = True
            return
        self._unreachable = False
        self._publication = newest.id
        try:
            kb = load_snapshot(files or {})
        except KnowledgeError as error:
            log.error(
                "knowledge: publication %d (version %d) rejected, keeping the last good knowledge:\n%s",
                newest.id,
                newest.version_id,
                error,
            )
            return
        self._published = kb
        log.info(
            "knowledge: serving version %d (publication %d), %d items", newest.version_id, newest.id, len(kb.items)
        )
