"""The warnings service: publishing, correcting and withdrawing warnings, pushing them to matching subscribers
through the outbox, and enterprises' subscriptions (the rules are in the package's docstring). One class over the
warnings' tables, a little over 400 lines: the criteria, the staff form, the import and the text are modules apart."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.contracts import MessageKind, WarningPush
from bot.desk import spreadsheets
from bot.clock import Clock, require_aware
from bot.desk.db import dialect_insert
from bot.desk.schema import OutboxMessage, RiskWarning, WarningDelivery, WarningSubscriber, WarningSubscription
from bot.desk.outbox import enqueue
from bot.desk.risk_warnings.criteria import Criteria, matches
from bot.desk.risk_warnings.form import WarningDraft, WarningFormError
from bot.desk.risk_warnings.importing import SAMPLES, read_drafts
from bot.desk.risk_warnings.text import SOURCE_PREFIX
from bot.settings import DeskSettings
from knowledge import Language
from knowledge.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

#: The outbox kind of a pushed warning.
KIND: MessageKind = "warning"

#: What staff see happen to a warning's deliveries; `queued` covers messages waiting and being sent.
DELIVERY_STATES = ("queued", "sent", "failed", "blocked")
_OUTBOX_STATE = {"pending": "queued", "sending": "queued", "sent": "sent", "dead": "failed"}


class OnChange(Protocol):
    def __call__(self, session: Session, warning: RiskWarning, action: str, detail: dict[str, Any]) -> None:
        """Record a change (the console's audit trail) in the transaction that makes it."""


@dataclass(frozen=True)
class DeliveryCounts:
    """How a warning's pushes went: waiting or being sent, delivered, given up, refused by a blocked chat."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.blocked


@dataclass(frozen=True)
class Published:
    warning: RiskWarning
    queued: int


@dataclass
class ImportReport:
    """An import: each refused row by its line (then nothing was stored), or the warnings published."""

    path: Path
    published: list[Published] = field(default_factory=list)
    errors: list[spreadsheets.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ----------------------------------------------------------------------------------------------------------------
# The service


class Warnings:
    """Publishing and pushing warnings, and enterprises' subscriptions, over the desk's database and clock."""

    def __init__(
        self, sessions: sessionmaker, clock: Clock, settings: DeskSettings, *, vocabulary: Vocabulary | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.vocabulary = vocabulary or load_vocabulary()

    def today(self, now: datetime | None = None) -> date:
        """The date in Beijing (the desk's zone): warnings are current "until 2026-12-31" there."""
        return require_aware(now or self.clock.now()).astimezone(self.settings.hours.zone).date()

    def parse(self, values: Mapping[str, Any]) -> WarningDraft:
        return WarningDraft.parse(values, vocabulary=self.vocabulary, today=self.today())

    # Staff --------------------------------------------------------------------------------------------------

    def publish(self, draft: WarningDraft, actor: str, *, on_change: OnChange | None = None) -> Published:
        """Store the warning and queue it for every matching subscriber, all in one transaction."""
        with self.sessions.begin() as session:
            published = self._publish(session, draft, actor)
            if on_change is not None:
                on_change(session, published.warning, "publish", {"queued": published.queued, "title": draft.title})
        log.info(
            "warnings: %s published warning %s, queued for %d subscriber(s)",
            actor,
            published.warning.id,
            published.queued,
        )
        return published

    def _publish(self, session: Session, draft: WarningDraft, actor: str) -> Published:
        now = self.clock.now()
        warning = RiskWarning(created_by=actor[:64], created_at=now, updated_at=now, **_columns(draft))
        session.add(warning)
        session.flush()
        return Published(warning, self._fan_out(session, warning, now))

    def update(
        self, warning_id: int, draft: WarningDraft, actor: str, *, on_change: OnChange | None = None
    ) -> Published:
        """Correct a current warning; subscribers it now matches who did not have it get it (nobody gets it twice)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            warning = self._locked(session, warning_id)
            if not self._is_current(warning, now):
                raise WarningFormError({"title": "这条预警已失效，不能修改；如需再次提醒，请发布新的预警"})
            changed = sorted(name for name, value in _columns(draft).items() if getattr(warning, name) != value)
            for name, value in _columns(draft).items():
                setattr(warning, name, value)
            warning.updated_at = now
            queued = self._fan_out(session, warning, now)
            if on_change is not None:
                on_change(session, warning, "change", {"fields": changed, "queued": queued})
        log.info(
            "warnings: %s changed warning %s (%s), queued for %d more subscriber(s)",
            actor,
            warning_id,
            ", ".join(changed) or "nothing",
            queued,
        )
        return Published(warning, queued)

    def expire(self, warning_id: int, actor: str, *, on_change: OnChange | None = None) -> RiskWarning:
        """Withdraw a warning now: it is no longer shown or pushed (deliveries already queued are dropped when they
        reach the conversation)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            warning = self._locked(session, warning_id)
            if warning.expired_at is not None:
                raise WarningFormError({"title": "这条预警已经失效"})
            warning.expired_at, warning.expired_by, warning.updated_at = now, actor[:64], now
            if on_change is not None:
                on_change(session, warning, "expire", {"title": warning.title})
        log.info("warnings: %s expired warning %s", actor, warning_id)
        return warning

    def expire_due(self, now: datetime | None = None) -> list[int]:
        """Mark the warnings whose last day has passed as expired (the scheduler's job; overlapping runs are safe,
        the update is conditional)."""
        now = require_aware(now) if now is not None else self.clock.now()
        today = self.today(now)
        with self.sessions.begin() as session:
            due = session.scalars(
                select(RiskWarning.id).where(RiskWarning.expired_at.is_(None), RiskWarning.valid_until < today)
            ).all()
            if due:
                session.execute(
                    update(RiskWarning)
                    .where(RiskWarning.id.in_(due), RiskWarning.expired_at.is_(None))
                    .values(expired_at=now, expired_by="system", updated_at=now)
                    .execution_options(synchronize_session=False)
                )
        if due:
            log.info("warnings: %s expired (past their last day)", ", ".join(map(str, due)))
        return list(due)

    def import_file(self, path: Path | str, actor: str, *, on_change: OnChange | None = None) -> ImportReport:
        """Publish every warning of a YAML or CSV file, or none: every bad row is reported by its line and then
        nothing is stored."""
        path = Path(path)
        drafts, errors = read_drafts(path, self.parse)
        report = ImportReport(path, errors=errors)
        if report.errors:
            for error in report.errors:
                log.warning("%s: %s", path, error)
            return report
        with self.sessions.begin() as session:
            for draft in drafts:
                published = self._publish(session, draft, actor)
                if on_change is not None:
                    on_change(
                        session,
                        published.warning,
                        "publish",
                        {"queued": published.queued, "title": draft.title, "file": path.name},
                    )
                report.published.append(published)
        log.info("warnings: %s imported %d warning(s) from %s", actor, len(drafts), path)
        return report

    def seed_samples(self) -> ImportReport | None:
        """Give a desk with no warnings the illustrative samples (bot/desk/data/warnings.yml); None when it has any."""
        with self.sessions() as session:
            if session.scalar(select(RiskWarning.id).limit(1)) is not None:
                return None
        return self.import_file(SAMPLES, "system:samples")

    # Reading ------------------------------------------------------------------------------------------------

    def get(self, warning_id: int) -> RiskWarning | None:
        with self.sessions() as session:
            return session.get(RiskWarning, warning_id)

    def is_current(self, warning: RiskWarning) -> bool:
        return self._is_current(warning, self.clock.now())

    def current(self, criteria: Criteria = Criteria(), *, include_samples: bool = True) -> list[RiskWarning]:
        """The current warnings `criteria` concern, newest first."""
        today = self.today()
        with self.sessions() as session:
            found = session.scalars(
                select(RiskWarning)
                .where(*self._current_clauses(today))
                .order_by(RiskWarning.published_on.desc(), RiskWarning.id.desc())
            ).all()
        return [w for w in found if matches(w, criteria) and (include_samples or not w.illustrative)]

    def listing(self, *, state: str | None = None, limit: int = 500) -> list[RiskWarning]:
        """Warnings for staff, newest first: `state` "current", "expired" or None for all."""
        today = self.today()
        statement = select(RiskWarning).order_by(RiskWarning.created_at.desc(), RiskWarning.id.desc()).limit(limit)
        if state == "current":
            statement = statement.where(*self._current_clauses(today))
        elif state == "expired":
            statement = statement.where(~and_(*self._current_clauses(today)))
        with self.sessions() as session:
            return list(session.scalars(statement))

    def delivery_counts(self, warning_ids: Sequence[int]) -> dict[int, DeliveryCounts]:
        """How each warning's pushes went (see `DeliveryCounts`)."""
        if not warning_ids:
            return {}
        with self.sessions() as session:
            rows = session.execute(
                select(WarningDelivery.warning_id, WarningDelivery.blocked_at, OutboxMessage.status)
                .outerjoin(OutboxMessage, OutboxMessage.idempotency_key == WarningDelivery.outbox_key)
                .where(WarningDelivery.warning_id.in_(list(warning_ids)))
            ).all()
        tally: dict[int, Counter] = {warning_id: Counter() for warning_id in warning_ids}
        for warning_id, blocked_at, status in rows:
            # A message the retention purge already deleted was delivered or given up long ago: counted as sent.
            tally[warning_id]["blocked" if blocked_at is not None else _OUTBOX_STATE.get(status, "sent")] += 1
        return {
            warning_id: DeliveryCounts(**{state: counts[state] for state in DELIVERY_STATES})
            for warning_id, counts in tally.items()
        }

    def for_delivery(self, warning_id: int, channel: str | None, sender_id: str) -> RiskWarning | None:
        """The warning a queued push carries, if it is still current and was queued for this conversation."""
        now = self.clock.now()
        with self.sessions() as session:
            found = (
                session.execute(
                    select(RiskWarning)
                    .join(WarningDelivery, WarningDelivery.warning_id == RiskWarning.id)
                    .join(WarningSubscriber, WarningSubscriber.id == WarningDelivery.subscriber_id)
                    .where(
                        RiskWarning.id == warning_id,
                        WarningSubscriber.sender_id == str(sender_id),
                        *([WarningSubscriber.channel == channel] if channel else []),
                    )
                )
                .scalars()
                .first()
            )
        if found is None or not self._is_current(found, now):
            return None
        return found

    # Enterprises --------------------------------------------------------------------------------------------

    def subscribe(self, channel: str, sender_id: str, criteria: Criteria, language: Language) -> list[Criteria]:
        """Add a subscription (one the conversation already has is not added twice) and clear a block: writing to
        subscribe means the chat takes messages again. The conversation's subscriptions afterwards."""
        if criteria.empty:
            raise ValueError("say what to subscribe to (or Criteria(everything=True))")
        now = self.clock.now()
        with self.sessions.begin() as session:
            subscriber = self._subscriber(session, channel, sender_id, language, now)
            subscriber.blocked_at = subscriber.blocked_reason = None
            subscriber.language, subscriber.updated_at = language, now
            existing = session.scalars(
                select(WarningSubscription).where(WarningSubscription.subscriber_id == subscriber.id)
            ).all()
            if not any(Criteria.of(row).same_as(criteria) for row in existing):
                session.add(
                    WarningSubscription(
                        subscriber_id=subscriber.id,
                        countries=list(criteria.countries),
                        industries=list(criteria.industries),
                        ip_types=list(criteria.ip_types),
                        products=list(criteria.products),
                        created_at=now,
                    )
                )
        log.info("warnings: %s:%s subscribed to %s", channel, sender_id, criteria)
        return self.subscriptions(channel, sender_id)

    def unsubscribe(self, channel: str, sender_id: str, criteria: Criteria) -> tuple[list[Criteria], list[Criteria]]:
        """Remove the subscriptions that name everything `criteria` name (all of them for empty or "all" criteria);
        the removed ones and those left."""
        with self.sessions.begin() as session:
            subscriber = session.scalar(
                select(WarningSubscriber).where(
                    WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id)
                )
            )
            rows = (
                session.scalars(
                    select(WarningSubscription)
                    .where(WarningSubscription.subscriber_id == subscriber.id)
                    .order_by(WarningSubscription.id)
                ).all()
                if subscriber
                else []
            )
            removed = [row for row in rows if not criteria.named or _names_all(row, criteria)]
            if removed:
                session.execute(
                    delete(WarningSubscription).where(WarningSubscription.id.in_([row.id for row in removed]))
                )
                subscriber.updated_at = self.clock.now()  # the retention period of a former subscriber runs from here
            left = [Criteria.of(row) for row in rows if row not in removed]
        log.info("warnings: %s:%s unsubscribed from %d subscription(s)", channel, sender_id, len(removed))
        return [Criteria.of(row) for row in removed], left

    def chat_open(self, channel: str, sender_id: str) -> bool:
        """The conversation was just answered, so it takes messages again: a block is lifted (later warnings reach it;
        the ones given up while it was blocked stay given up). Whether there was a block to lift."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            lifted = (
                session.execute(
                    update(WarningSubscriber)
                    .where(
                        WarningSubscriber.channel == channel,
                        WarningSubscriber.sender_id == str(sender_id),
                        WarningSubscriber.blocked_at.is_not(None),
                    )
                    .values(blocked_at=None, blocked_reason=None, updated_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
        if lifted:
            log.info("warnings: %s:%s takes messages again; its block is lifted", channel, sender_id)
        return lifted

    def subscriptions(self, channel: str, sender_id: str) -> list[Criteria]:
        with self.sessions() as session:
            rows = session.scalars(
                select(WarningSubscription)
                .join(WarningSubscriber)
                .where(WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id))
                .order_by(WarningSubscription.id)
            ).all()
        return [Criteria.of(row) for row in rows]

    # Internals ----------------------------------------------------------------------------------------------

    def _fan_out(self, session: Session, warning: RiskWarning, now: datetime) -> int:
        """Queue the warning for every subscriber it matches and has not been queued for; how many were queued."""
        if warning.illustrative or not self._is_current(warning, now):
            return 0
        rows = session.execute(
            select(WarningSubscriber, WarningSubscription)
            .join(WarningSubscription, WarningSubscription.subscriber_id == WarningSubscriber.id)
            .where(WarningSubscriber.blocked_at.is_(None))
            .order_by(WarningSubscriber.id)
        ).all()
        wanting = {
            subscriber.id: subscriber
            for subscriber, subscription in rows
            if matches(warning, Criteria.of(subscription))
        }
        queued = 0
        for subscriber in wanting.values():
            key = f"{SOURCE_PREFIX}{warning.id}:{subscriber.id}"
            new = (
                session.execute(
                    dialect_insert(session, WarningDelivery.__table__)
                    .values(warning_id=warning.id, subscriber_id=subscriber.id, outbox_key=key, queued_at=now)
                    .on_conflict_do_nothing(index_elements=["warning_id", "subscriber_id"])
                ).rowcount
                == 1
            )
            if new:
                payload: WarningPush = {"warning": warning.id, "title": warning.title, "language": subscriber.language}
                enqueue(session, subscriber.channel, subscriber.sender_id, KIND, payload, key, now=now)
                queued += 1
        return queued

    def _subscriber(
        self, session: Session, channel: str, sender_id: str, language: str, now: datetime
    ) -> WarningSubscriber:
        """The conversation's subscriber row, made on first use (two first subscriptions at once make one row)."""
        session.execute(
            dialect_insert(session, WarningSubscriber.__table__)
            .values(channel=channel, sender_id=str(sender_id), language=language, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "sender_id"])
        )
        return session.scalars(
            select(WarningSubscriber)
            .where(WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id))
            .with_for_update()
        ).one()

    @staticmethod
    def _locked(session: Session, warning_id: int) -> RiskWarning:
        warning = session.scalars(
            select(RiskWarning).where(RiskWarning.id == warning_id).with_for_update()
        ).one_or_none()
        if warning is None:
            raise LookupError(f"no warning {warning_id}")
        return warning

    def _is_current(self, warning: RiskWarning, now: datetime) -> bool:
        today = self.today(now)
        return (
            warning.expired_at is None
            and warning.published_on <= today
            and (warning.valid_until is None or warning.valid_until >= today)
        )

    @staticmethod
    def _current_clauses(today: date) -> tuple[Any, ...]:
        return (
            RiskWarning.expired_at.is_(None),
            RiskWarning.published_on <= today,
            or_(RiskWarning.valid_until.is_(None), RiskWarning.valid_until >= today),
        )


def _columns(draft: WarningDraft) -> dict[str, Any]:
    """The draft as the warning's column values (lists as JSON lists)."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in draft.__dict__.items()}


def _names_all(row: WarningSubscription, criteria: Criteria) -> bool:
    """Whether the subscription names every value `criteria` name ("退订美国预警" removes what names 美国)."""
    for name in ("countries", "industries", "ip_types"):
        if not set(getattr(criteria, name)) <= set(getattr(row, name) or ()):
            return False
    stored = {p.casefold() for p in row.products or ()}
    return all(p.casefold() in stored for p in criteria.products)


def mark_blocked(session: Session, message: OutboxMessage, now: datetime) -> None:
    """The chat behind `message` blocked the bot: mark its subscriber, give up its other waiting warnings, and
    count them blocked. For the outbox worker's `on_blocked`, in the transaction that gives `message` up."""
    subscriber = session.scalars(
        select(WarningSubscriber)
        .where(WarningSubscriber.channel == message.channel, WarningSubscriber.sender_id == message.recipient)
        .with_for_update()
    ).one_or_none()
    if subscriber is None:
        return
    if subscriber.blocked_at is None:
        subscriber.blocked_at, subscriber.updated_at = now, now
        subscriber.blocked_reason = (message.last_error or "blocked")[:500]
    waiting = session.scalars(
        select(WarningDelivery.outbox_key)
        .join(OutboxMessage, OutboxMessage.idempotency_key == WarningDelivery.outbox_key)
        .where(WarningDelivery.subscriber_id == subscriber.id, OutboxMessage.status == "pending")
    ).all()
    if waiting:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(waiting), OutboxMessage.status == "pending")
            .values(status="dead", last_error="the recipient blocked the bot")
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(WarningDelivery)
        .where(
            WarningDelivery.outbox_key.in_([*waiting, message.idempotency_key]), WarningDelivery.blocked_at.is_(None)
        )
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    log.warning(
        "warnings: subscriber %s (%s:%s) blocked the bot; %d waiting warning(s) given up",
        subscriber.id,
        message.channel,
        message.recipient,
        len(waiting),
    )
