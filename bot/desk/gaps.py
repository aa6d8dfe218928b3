"""The gap queue: what the bot could not answer well, kept for staff to learn from.

Every chat turn that ends in a question back (clarify), a referral elsewhere, a refusal, or an answer given on a
weak reading of the question is recorded here by the action server, with the question's contacts masked and
nothing that names the sender. Staff see the open ones in the console grouped by similar wording — five
enterprises asking the same thing five ways is one missing answer, not five — with how often each was asked, how
the bot fell short, and the item it chose; they dismiss a group once it is dealt with (every dismissal audited),
or adopt it: its questions become example questions of an item or a new item, and the gaps keep which knowledge
version took them in (`adopt_in`, in that version's own transaction).

Recording is bookkeeping beside the reply, as the chat figures are (bot/desk/chatlog.py): a database problem is
logged with the turn and the reply goes out regardless. Rows older than the retention period are deleted by the
purge (bot/desk/retention.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk import audit
from bot.desk.chatlog import DeskSource, channel_name, opened
from bot.desk.privacy import redact_contacts
from bot.desk.schema import GAP_KINDS, KnowledgeGap
from knowledge.text import bigrams, tokenize

log = logging.getLogger(__name__)

#: The longest question kept: the queue is for reading at a glance; a pasted letter is cut.
MAX_QUESTION = 500
#: Below this NLU confidence an answer counts as given on a weak reading (the decision's own trust floor is lower:
#: it answers from the words when they agree; such answers are worth a look).
WEAK_CONFIDENCE = 0.5
#: Two questions sharing this much of their words and character pairs (Jaccard) are worded alike. Paraphrases of one
#: short question score about 0.2 to 0.5 against each other; different questions on one topic rarely above 0.25.
SIMILAR = 0.3
#: A group is compared on this many of its questions (its first ones): enough for the usual phrasings.
COMPARED = 20
#: The open gaps grouped on one page, newest first.
GROUPED_AT_MOST = 1000


def record_gap(
    desk: DeskSource,
    *,
    channel: str | None,
    kind: str,
    question: str,
    language: str = "zh",
    intent: str | None = None,
    confidence: float | None = None,
    item_id: str | None = None,
) -> bool:
    """Store one turn that fell short; True when stored. Never raises for a database problem (logged instead)."""
    if kind not in GAP_KINDS:
        log.error("gaps: a turn of kind %r was offered; only %s are kept", kind, ", ".join(GAP_KINDS))
        return False
    text = redact_contacts(" ".join(question.split()))[:MAX_QUESTION]
    if not text:
        return False  # a button press or an empty message says nothing about what is missing
    try:
        source = opened(desk)
        with source.sessions.begin() as session:
            session.add(
                KnowledgeGap(
                    at=source.clock.now(),
                    channel=channel_name(channel),
                    kind=kind,
                    language="en" if language == "en" else "zh",
                    question=text,
                    intent=intent[:64] if intent else None,
                    confidence=round(confidence, 4) if confidence is not None else None,
                    item_id=item_id[:80] if item_id else None,
                    status="open",
                )
            )
    except Exception:  # noqa: BLE001 — the queue must never cost the enterprise its answer
        log.exception("gaps: could not keep a %s turn (channel %s, intent %s)", kind, channel, intent)
        return False
    return True


@dataclass
class GapGroup:
    """Open gaps worded alike: the newest stands for them all."""

    question: str
    ids: list[int] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    questions: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def item(self) -> str | None:
        """The item the bot chose most often for these questions."""
        return self.items.most_common(1)[0][0] if self.items else None

    def add(self, gap: KnowledgeGap) -> None:
        self.ids.append(gap.id)
        self.kinds[gap.kind] += 1
        self.channels[gap.channel] += 1
        if gap.item_id:
            self.items[gap.item_id] += 1
        if gap.question not in self.questions:
            self.questions.append(gap.question)
        self.first_at = min(filter(None, (self.first_at, gap.at)))
        self.last_at = max(filter(None, (self.last_at, gap.at)))


def words_of(question: str) -> frozenset[str]:
    """What two questions are compared on: the search's own words and Chinese character pairs."""
    return frozenset(tokenize(question) + bigrams(question))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def group(gaps: Sequence[KnowledgeGap]) -> list[GapGroup]:
    """Gaps (newest first) in groups of similar wording, the most asked first (then the most recent).

    Single linkage: a gap resembling (`SIMILAR`) a question of one group joins it, one resembling questions of
    several groups joins them together, so five paraphrases make one group through the ones between them whatever
    order they came in. The newest question of a group stands for it.
    """
    clusters: list[tuple[list[KnowledgeGap], list[frozenset[str]]]] = []
    for gap in gaps:
        words = words_of(gap.question)
        near = [
            cluster for cluster in clusters if any(similarity(words, seen) >= SIMILAR for seen in cluster[1][:COMPARED])
        ]
        home: tuple[list[KnowledgeGap], list[frozenset[str]]] = near[0] if near else ([], [])
        if not near:
            clusters.append(home)
        for other in near[1:]:  # this gap bridges them: one group
            home[0].extend(other[0])
            home[1].extend(other[1])
        if len(near) > 1:
            clusters = [cluster for cluster in clusters if not any(cluster is other for other in near[1:])]
        home[0].append(gap)
        home[1].append(words)
    groups = []
    for members, _ in clusters:
        members.sort(key=lambda gap: (gap.at, gap.id), reverse=True)
        found = GapGroup(question=members[0].question)
        for gap in members:
            found.add(gap)
        groups.append(found)
    groups.sort(key=lambda g: (-g.count, -(g.last_at.timestamp() if g.last_at else 0.0)))
    return groups


class GapQueue:
    """The open gaps for the console: grouped, and dismissed with an audit entry."""

    def __init__(self, sessions: sessionmaker, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def open_groups(self, *, kind: str | None = None) -> list[GapGroup]:
        with self.sessions() as session:
            query = select(KnowledgeGap).where(KnowledgeGap.status == "open")
            if kind is not None:
                query = query.where(KnowledgeGap.kind == kind)
            gaps = session.scalars(
                query.order_by(KnowledgeGap.at.desc(), KnowledgeGap.id.desc()).limit(GROUPED_AT_MOST)
            )
            return group(list(gaps))

    def open_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).where(KnowledgeGap.status == "open")) or 0

    def dismiss(self, ids: Sequence[int], who: audit.Actor, *, note: str = "") -> int:
        """Dismiss the open gaps among `ids` (a group); how many were. One audit entry names them."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            changed = self._dismiss(session, ids, who.username, now)
            if changed:
                audit.record(
                    session,
                    who,
                    "dismiss",
                    at=now,
                    object_type="knowledge_gap",
                    object_id=min(ids),
                    detail={"ids": sorted(set(ids))[:200], "count": changed, "note": note[:200]},
                )
        return changed

    def open_gaps(self, ids: Sequence[int]) -> list[KnowledgeGap]:
        """The open gaps among `ids` (a group), oldest first: what a new item or new example questions are made of."""
        with self.sessions() as session:
            query = select(KnowledgeGap).where(KnowledgeGap.id.in_(list(ids)), KnowledgeGap.status == "open")
            return list(session.scalars(query.order_by(KnowledgeGap.at, KnowledgeGap.id)))

    @staticmethod
    def adopt_in(
        session: Session, ids: Sequence[int], version_id: int, who: audit.Actor, now: datetime, *, note: str = ""
    ) -> int:
        """Mark the open gaps among `ids` adopted by knowledge version `version_id`, in `session`'s transaction (the
        one that stores the version), with one audit entry; how many were."""
        changed = (
            session.execute(
                update(KnowledgeGap)
                .where(KnowledgeGap.id.in_(list(ids)), KnowledgeGap.status == "open")
                .values(status="adopted", handled_by=who.username[:64], handled_at=now, version_id=version_id)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
        if changed:
            audit.record(
                session,
                who,
                "adopt",
                at=now,
                object_type="knowledge_gap",
                object_id=min(ids),
                detail={"ids": sorted(set(ids))[:200], "count": changed, "version": version_id, "note": note[:200]},
            )
        return changed

    @staticmethod
    def _dismiss(session: Session, ids: Sequence[int], username: str, now: datetime) -> int:
        result = session.execute(
            update(KnowledgeGap)
            .where(KnowledgeGap.id.in_(list(ids)), KnowledgeGap.status == "open")
            .values(status="dismissed", handled_by=username[:64], handled_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0
