"""Questions held while the bot cannot answer them (the action server is down): kept in the desk's outbox until
the turn is run again in the same conversation.

The REST channel (bot/channels/rest.py) turns a failed turn into a holding reply and a `held_question` message of
channel "rest", addressed to the conversation, in the same table and with the same guarantees as the desk's
notices: it survives restarts, a worker leases it before delivering, and each question carries its key. A held
question is answered by whichever comes first — the user's next message (earlier questions are answered before
it) or the desk worker delivering the message, which asks the Rasa server to resume the conversation
(`RasaRelay`); the other finds it answered and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock
from bot.contracts import ConversationChannel, HeldQuestionPayload, Language, MessageKind
from bot.desk.schema import OutboxMessage
from bot.desk.outbox import enqueue

#: The outbox channel and kind of a held question.
CHANNEL: ConversationChannel = "rest"
KIND: MessageKind = "held_question"
#: Who marks a question answered when the user's next message answered it, in the outbox's `claimed_by`.
ANSWERED_IN_CONVERSATION = "rest channel (answered in the conversation)"


def key_for(message_id: str) -> str:
    return f"held:{message_id}"


@dataclass(frozen=True)
class HeldQuestion:
    """One held question: enough to run its turn again as the user sent it."""

    key: str
    sender_id: str
    message_id: str
    text: str
    language: str
    metadata: Mapping[str, Any] | None
    held_at: datetime

    @classmethod
    def from_outbox(cls, message: OutboxMessage) -> "HeldQuestion":
        payload = message.payload or {}
        return cls(
            key=message.idempotency_key,
            sender_id=message.recipient,
            message_id=str(payload["message_id"]),
            text=str(payload["text"]),
            language=str(payload.get("language") or "zh"),
            metadata=payload.get("metadata") or None,
            held_at=message.created_at,
        )


class HeldQuestions:
    """The held questions in the desk's database. Its calls block: the Rasa server makes them in a thread."""

    def __init__(self, sessions: sessionmaker, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def hold(
        self,
        sender_id: str,
        message_id: str,
        text: str,
        *,
        language: Language,
        metadata: Mapping[str, Any] | None = None,
    ) -> HeldQuestion:
        """Store a question to be answered later (holding the same message twice stores it once)."""
        now = self.clock.now()
        payload: HeldQuestionPayload = {
            "message_id": message_id,
            "text": text,
            "language": language,
            "metadata": dict(metadata or {}),
        }
        with self.sessions.begin() as session:
            enqueue(session, CHANNEL, sender_id, KIND, payload, key_for(message_id), now=now)
        return HeldQuestion(key_for(message_id), sender_id, message_id, text, language, metadata, now)

    def waiting(self, sender_id: str) -> list[HeldQuestion]:
        """The sender's questions not answered yet, oldest first (those a worker is delivering included)."""
        with self.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == CHANNEL,
                    OutboxMessage.kind == KIND,
                    OutboxMessage.recipient == sender_id,
                    OutboxMessage.status.in_(("pending", "sending")),
                )
                .order_by(OutboxMessage.id)
            ).all()
        return [HeldQuestion.from_outbox(row) for row in rows]

    def senders_waiting(self) -> set[str]:
        """Every conversation with a question waiting."""
        with self.sessions() as session:
            return set(
                session.scalars(
                    select(OutboxMessage.recipient)
                    .distinct()
                    .where(
                        OutboxMessage.status.in_(("pending", "sending")),
                        OutboxMessage.channel == CHANNEL,
                        OutboxMessage.kind == KIND,
                    )
                )
            )

    def answered(self, keys: list[str]) -> None:
        """Mark questions answered in their conversation. One a worker is delivering right now is left to it: its
        delivery finds the question answered and records it so."""
        if not keys:
            return
        with self.sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.idempotency_key.in_(keys), OutboxMessage.status == "pending")
                .values(
                    status="sent",
                    sent_at=self.clock.now(),
                    claimed_by=ANSWERED_IN_CONVERSATION,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
