"""What enterprises say of the bot's answers: every answer ends with 有帮助 / 没帮助, one tap, and an optional comment.

A verdict is kept per enterprise and item (the enterprise as the chat figures' keyed hash, bot/desk/chatlog.py):
pressing again, or the other button, changes it rather than counting twice. An answer rated unhelpful also joins the
gap queue (bot/desk/gaps.py) with the question it answered, so staff see it beside the questions the bot could not
answer at all. The console's dashboard shows, per item, how often it was the answer, the verdicts and the helpful
rate, the items to look at first on top (`item_quality`).

Recording is bookkeeping beside the reply, as the chat figures are: a database problem is logged with the turn and
the enterprise still gets its thanks.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.desk.chatlog import DeskSource, channel_name, opened, sender_key
from bot.desk.gaps import record_gap
from bot.desk.privacy import redact_contacts
from bot.desk.schema import AnswerFeedback, ChatTurn

log = logging.getLogger(__name__)

#: The longest comment kept.
MAX_COMMENT = 1000
#: An item needs this many verdicts before its rate ranks it among the items to look at first.
MIN_VERDICTS = 3


def record_feedback(
    desk: DeskSource,
    *,
    channel: str | None,
    sender_id: str,
    item_id: str,
    helpful: bool,
    language: str = "zh",
    question: str = "",
) -> int | None:
    """Keep the enterprise's verdict on `item_id` (replacing its earlier one); the verdict's id, None on a problem.

    `question` is what the answer answered: an unhelpful verdict puts it in the gap queue with the item.
    """
    channel = channel_name(channel)
    try:
        source = opened(desk)
        key = sender_key(channel, str(sender_id))
        with source.sessions.begin() as session:
            verdict = session.scalar(
                select(AnswerFeedback).where(AnswerFeedback.sender_key == key, AnswerFeedback.item_id == item_id)
            )
            if verdict is None:
                verdict = AnswerFeedback(sender_key=key, item_id=item_id[:80], channel=channel)
                session.add(verdict)
            verdict.at, verdict.helpful = source.clock.now(), helpful
            verdict.language = "en" if language == "en" else "zh"
            if helpful:
                verdict.comment = None  # a comment said why it did not help
            session.flush()
            verdict_id = verdict.id
    except Exception:  # noqa: BLE001 — the verdict must never cost the enterprise its reply
        log.exception("feedback: could not keep a verdict on %s (channel %s)", item_id, channel)
        return None
    if not helpful and question.strip():
        record_gap(desk, channel=channel, kind="unhelpful", question=question, language=language, item_id=item_id)
    return verdict_id


def add_comment(desk: DeskSource, verdict_id: int, sender_id: str, channel: str | None, comment: str) -> bool:
    """Attach the enterprise's comment (contacts masked) to its own verdict; False if it is not theirs or gone."""
    channel = channel_name(channel)
    text = redact_contacts(" ".join(comment.split()))[:MAX_COMMENT]
    if not text:
        return False
    try:
        source = opened(desk)
        with source.sessions.begin() as session:
            verdict = session.get(AnswerFeedback, verdict_id)
            if verdict is None or verdict.sender_key != sender_key(channel, str(sender_id)):
                log.warning("feedback: a comment for verdict %s came from another conversation; not kept", verdict_id)
                return False
            verdict.comment = text
    except Exception:  # noqa: BLE001 — as above
        log.exception("feedback: could not keep the comment on verdict %s", verdict_id)
        return False
    return True


@dataclass
class ItemQuality:
    """One item over a period: how often it was the answer, and what enterprises said of it."""

    item_id: str
    answered: int = 0
    helpful: int = 0
    unhelpful: int = 0
    last_comment: str | None = None

    @property
    def verdicts(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def rate(self) -> float | None:
        """The share of verdicts that were helpful; None without any."""
        return self.helpful / self.verdicts if self.verdicts else None

    @property
    def worth_a_look(self) -> bool:
        """Enough verdicts, and more unhelpful than helpful ones."""
        return self.verdicts >= MIN_VERDICTS and self.unhelpful > self.helpful


def item_quality(sessions: sessionmaker, start: datetime, end: datetime) -> list[ItemQuality]:
    """Per item answered or rated in [start, end): the items worth a look first (most unhelpful verdicts, lowest
    rate), then the most used."""
    items: dict[str, ItemQuality] = {}
    with sessions() as session:
        turns = session.execute(
            select(ChatTurn.sources).where(ChatTurn.kind == "answer", ChatTurn.at >= start, ChatTurn.at < end)
        )
        answered = Counter(sources[0] for (sources,) in turns if sources)
        verdicts = session.scalars(
            select(AnswerFeedback)
            .where(AnswerFeedback.at >= start, AnswerFeedback.at < end)
            .order_by(AnswerFeedback.at)
        ).all()
    for item_id, count in answered.items():
        items.setdefault(item_id, ItemQuality(item_id)).answered = count
    for verdict in verdicts:
        quality = items.setdefault(verdict.item_id, ItemQuality(verdict.item_id))
        if verdict.helpful:
            quality.helpful += 1
        else:
            quality.unhelpful += 1
            quality.last_comment = verdict.comment or quality.last_comment
    return sorted(
        items.values(),
        key=lambda q: (not q.worth_a_look, -q.unhelpful, q.rate if q.rate is not None else 1.0, -q.answered, q.item_id),
    )
