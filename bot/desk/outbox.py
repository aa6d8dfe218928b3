"""The outbox: every message the desk sends goes through a table, in the same transaction as the change that
caused it, and channel workers deliver it at least once.

So an expert's answer is never lost because Telegram was down when it was given, and never sent for a ticket
change that was rolled back. Delivery is at least once: a worker killed between sending and recording the
send leaves the message to be sent again once its lease expires, so each message carries its idempotency key
to the receiving side, which drops a key it has already seen.

A recipient who refuses the bot altogether (a Telegram user who blocked it) is not retried: the sender raises
`RecipientBlocked`, the message is given up at once, and the worker's `on_blocked` hook (the warnings' subscriber
list) hears of it in the same transaction.

Nothing is given up in silence: in the transaction that gives a message up, staff get an alert (kind
`undelivered`, in the console's inbox) saying what did not arrive, to whom and why, so that a person follows it up —
an expert's answer to an enterprise, or a question the bot could not answer while it was down. Warning pushes are
the exception: those a blocked chat refused are counted on the warning's page instead.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, require_aware
from bot.contracts import MessageKind
from bot.settings import DeskSettings
from bot.desk.db import dialect_insert
from bot.desk.schema import OutboxMessage

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
BLOCKED = "recipient blocked"

#: The staff alert about a message given up.
UNDELIVERED: MessageKind = "undelivered"
#: What each kind of message is, as staff read it.
KIND_LABELS: dict[MessageKind, str] = {
    "expert_answer": "专家答复",
    "case_accepted": "受理通知",
    "follow_up": "回访问候",
    "staff_alert": "坐席提醒",
    "case_assigned": "派案通知",
    "case_reopened": "重开通知",
    "held_question": "聊天提问（待答复）",
    "warning": "预警推送",
    "exhibition_notice": "展会提醒",
    UNDELIVERED: "未送达提醒",
}
#: Given up without an alert: warning pushes (counted on the warning's page) and alerts themselves (no alert loops).
_UNALERTED_KINDS = frozenset({"warning", "staff_alert", UNDELIVERED})


class RecipientBlocked(Exception):
    """The recipient refuses messages from the bot (it was blocked): retrying cannot deliver this or any later one."""


#: Told, in the transaction that gives a message up, that its recipient blocked the bot.
OnBlocked = Callable[[Session, OutboxMessage, datetime], None]


def enqueue(
    session: Session,
    channel: str,
    recipient: str,
    kind: str,
    payload: Mapping[str, Any],
    key: str,
    *,
    now: datetime,
) -> bool:
    """Queue a message in the caller's transaction; True if queued, False if `key` was already queued.

    A repeated key is a no-op rather than an error, so a caller that retries after a timeout cannot queue the
    same notice twice.
    """
    if not channel or not recipient or not key:
        raise ValueError(f"a message needs a channel, a recipient and a key (got {channel!r}, {recipient!r}, {key!r})")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as error:
        raise ValueError(f"payload of {key} is not JSON: {error}") from error
    now = require_aware(now)
    statement = (
        dialect_insert(session, OutboxMessage.__table__)
        .values(
            idempotency_key=key,
            channel=channel,
            recipient=str(recipient),
            kind=kind,
            payload=dict(payload),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    queued = session.execute(statement).rowcount == 1
    if not queued:
        log.info("outbox: %s already queued; not queued again", key)
    return queued


def acknowledge(session: Session, message_id: int, *, channels: tuple[str, ...], by: str, now: datetime) -> bool:
    """Mark a pending message of a channel that people deliver as sent, in the caller's transaction; True if this
    call marked it.

    No worker has senders for such channels (a caller of the hotline is phoned by staff; staff alerts are read in
    the console), so a person says when it is done, and `by` records who. Only a pending message of one of
    `channels` is marked: a second click, or a message a worker owns, is left as it is and gives False.
    """
    marked = (
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id, OutboxMessage.status == "pending", OutboxMessage.channel.in_(channels)
            )
            .values(
                status="sent",
                sent_at=require_aware(now),
                claimed_by=by[:100],
                attempts=OutboxMessage.attempts + 1,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if marked:
        log.info("outbox: message %s marked delivered by %s", message_id, by)
    return marked


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver `message` (passing `message.idempotency_key` on to the receiver); raise if it was not delivered."""


class OutboxWorker:
    """Delivers due messages of the channels it has senders for; several workers may run side by side.

    A worker claims a message by leasing it (status sending, claimed_by, lease_until); a claim is a
    conditional UPDATE that only one worker can win, and on PostgreSQL the candidates are also read with
    FOR UPDATE SKIP LOCKED so workers do not queue behind each other's rows. A worker that dies mid-send
    leaves a lease that expires, after which any worker may claim the message again. Every claim counts as an
    attempt, so a message that kills its worker each time still ends up dead instead of looping forever.
    """

    def __init__(
        self,
        sessions: sessionmaker,
        senders: Mapping[str, Sender],
        clock: Clock,
        worker_id: str,
        lease: timedelta = timedelta(seconds=60),
        settings: DeskSettings = DeskSettings(),
        on_blocked: OnBlocked | None = None,
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self.sessions = sessions
        self.senders = dict(senders)
        self.clock = clock
        self.worker_id = worker_id
        self.lease = lease
        self.settings = settings
        self.on_blocked = on_blocked

    def run_once(self, limit: int = 50) -> int:
        """Claim up to `limit` due messages and try to deliver each; the number of messages delivered."""
        if not self.senders:
            return 0
        claimed = self._claim(limit)
        delivered = 0
        for message in claimed:
            if self.clock.now() >= message.lease_until:
                # We took too long to reach it: another worker may own it now. It stays claimable; not sending
                # it here keeps two workers from sending it together.
                log.warning(
                    "outbox: lease on %s ran out before sending; leaving it to be claimed again",
                    message.idempotency_key,
                )
                continue
            try:
                self.senders[message.channel].send(message)
            except RecipientBlocked as error:
                self._record_failure(message, error, blocked=True)
            except Exception as error:  # noqa: BLE001 — a sender may fail in any way; each failure is recorded, retried
                self._record_failure(message, error)
            else:
                self._record_sent(message)
                delivered += 1
        return delivered

    def run_forever(self, stop_event: threading.Event, interval: float = 5.0) -> None:
        """Deliver until `stop_event` is set; a failing round (database down) is logged and retried."""
        log.info("outbox worker %s started for channels %s", self.worker_id, ", ".join(sorted(self.senders)))
        while not stop_event.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:
                log.exception("outbox worker %s: a round failed; retrying in %.0f s", self.worker_id, interval)
                busy = False
            if not busy:
                stop_event.wait(interval)
        log.info("outbox worker %s stopped", self.worker_id)

    def _due(self, now: datetime) -> Any:
        """Messages of our channels that are pending and due, or whose sender's lease has expired."""
        return and_(
            OutboxMessage.channel.in_(list(self.senders)),
            or_(
                and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now),
            ),
        )

    def _claim(self, limit: int) -> list[OutboxMessage]:
        now = self.clock.now()
        lease_until = now + self.lease
        max_attempts = self.settings.outbox_max_attempts
        claimed_ids: list[int] = []
        with self.sessions.begin() as session:
            candidates = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.claimed_by,
                    OutboxMessage.idempotency_key,
                )
                .where(self._due(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for candidate in candidates:
                still_due = and_(OutboxMessage.id == candidate.id, self._due(now))
                if candidate.status == "sending" and candidate.attempts >= max_attempts:
                    reason = f"worker {candidate.claimed_by} stopped while sending (lease expired) on the last attempt"
                    won = (
                        session.execute(
                            update(OutboxMessage)
                            .where(still_due)
                            .values(status="dead", lease_until=None, last_error=reason)
                            .execution_options(synchronize_session=False)
                        ).rowcount
                        == 1
                    )
                    if won:
                        log.error(
                            "outbox: %s is dead after %d attempts: %s",
                            candidate.idempotency_key,
                            candidate.attempts,
                            reason,
                        )
                        self._tell_staff(session, session.get(OutboxMessage, candidate.id), reason, now)
                    continue
                if candidate.status == "sending":
                    log.warning(
                        "outbox: lease of %s on %s expired; %s claims it again",
                        candidate.claimed_by,
                        candidate.idempotency_key,
                        self.worker_id,
                    )
                won = (
                    session.execute(
                        update(OutboxMessage)
                        .where(still_due)
                        .values(
                            status="sending",
                            claimed_by=self.worker_id,
                            lease_until=lease_until,
                            attempts=OutboxMessage.attempts + 1,
                        )
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    == 1
                )
                if won:
                    claimed_ids.append(candidate.id)
            if not claimed_ids:
                return []
            messages = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(claimed_ids))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            ).all()
        return list(messages)

    def _record_sent(self, message: OutboxMessage) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            mine = (
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message.id,
                        OutboxMessage.status == "sending",
                        OutboxMessage.claimed_by == self.worker_id,
                    )
                    .values(status="sent", sent_at=now, lease_until=None, last_error=None)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if not mine:
                # Another worker claimed it after our lease ran out; it was delivered anyway, so say so.
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id, OutboxMessage.status != "sent")
                    .values(status="sent", sent_at=now, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
                log.warning(
                    "outbox: %s was sent by %s after its lease was lost; the receiver may see it twice "
                    "and drops the repeat by its key",
                    message.idempotency_key,
                    self.worker_id,
                )
        log.info("outbox: sent %s (%s to %s)", message.idempotency_key, message.kind, message.channel)

    def _record_failure(self, message: OutboxMessage, error: Exception, *, blocked: bool = False) -> None:
        now = self.clock.now()
        attempts = message.attempts
        reason = (f"{BLOCKED}: {error}" if blocked else f"{type(error).__name__}: {error}")[:MAX_ERROR_LENGTH]
        dead = blocked or attempts >= self.settings.outbox_max_attempts
        values: dict[str, Any] = {"lease_until": None, "last_error": reason}
        if dead:
            values["status"] = "dead"
        else:
            values.update(status="pending", next_attempt_at=now + self.backoff(attempts))
        with self.sessions.begin() as session:
            mine = (
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message.id,
                        OutboxMessage.status == "sending",
                        OutboxMessage.claimed_by == self.worker_id,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if mine and blocked and self.on_blocked is not None:
                message.last_error = reason
                self.on_blocked(session, message, now)
            if mine and dead:
                self._tell_staff(session, message, reason, now)
        if not mine:
            log.warning(
                "outbox: sending %s failed (%s) after its lease passed to another worker; that worker owns it now",
                message.idempotency_key,
                reason,
            )
        elif blocked:
            log.warning(
                "outbox: %s (%s to %s %s) given up: the recipient blocked the bot (%s)",
                message.idempotency_key,
                message.kind,
                message.channel,
                message.recipient,
                error,
            )
        elif dead:
            log.error(
                "outbox: %s (%s to %s %s) is dead after %d attempts; last error: %s",
                message.idempotency_key,
                message.kind,
                message.channel,
                message.recipient,
                attempts,
                reason,
            )
        else:
            log.warning(
                "outbox: attempt %d of %s (%s to %s) failed: %s; next attempt at %s",
                attempts,
                message.idempotency_key,
                message.kind,
                message.channel,
                reason,
                values["next_attempt_at"].isoformat(),
            )

    def _tell_staff(self, session: Session, message: OutboxMessage, reason: str, now: datetime) -> None:
        """Queue, in the transaction that gives `message` up, the staff alert that says so."""
        if message.kind in _UNALERTED_KINDS:
            return
        payload = message.payload or {}
        what = KIND_LABELS.get(message.kind, message.kind)
        if message.kind == "held_question":
            text = (
                f"聊天中的一个问题因系统故障未能答复（{message.channel} 会话 {message.recipient}，已重试 "
                f"{message.attempts} 次）：「{str(payload.get('text') or '')[:300]}」请人工跟进。"
            )
        else:
            ticket = f"（工单 {payload['ticket']}）" if payload.get("ticket") else ""
            text = (
                f"{what}{ticket}未能送达 {message.channel} 用户 {message.recipient}（{reason[:200]}）。"
                f"请通过其他联系方式告知对方。"
            )
        urgent = message.kind in ("expert_answer", "held_question") or payload.get("priority") == "urgent"
        enqueue(
            session,
            self.settings.staff_channel,
            self.settings.staff_recipient,
            UNDELIVERED,
            {
                "ticket": payload.get("ticket"),
                "text": text,
                "priority": "urgent" if urgent else "normal",
                "outbox_id": message.id,
                "kind": message.kind,
            },
            f"{UNDELIVERED}:{message.id}",
            now=now,
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: base × 2^(attempts − 1), at most the cap."""
        base = self.settings.outbox_base_backoff
        exponent = max(0, attempts - 1)
        if exponent > 30:  # 2^30 × any base is past any sensible cap; avoid overflowing timedelta
            return self.settings.outbox_max_backoff
        return min(base * (2**exponent), self.settings.outbox_max_backoff)
