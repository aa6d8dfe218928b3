"""The expert's side on Telegram: case notices with accept and decline buttons, and answers given by replying.

An expert is linked to a chat by `Expert.telegram_chat_id`; the desk then sends their notices to channel
"telegram" with that chat as recipient. A button press or a reply comes from a chat, so the chat says which
expert acts, and the desk checks that the case is theirs and in a state that allows it. The ticket a reply
answers is the one named in the message replied to (the notice, or the confirmation of acceptance).

The desk's database is reached synchronously; the worker calls these functions in a thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.desk.attachments import attachments_of
from bot.desk.tickets import Desk, DeskError
from bot.desk.schema import Expert, OutboxMessage, Ticket
from bot.channels.telegram import texts
from bot.channels.telegram.rendering import DESK, keyboard, text_messages
from knowledge import Language, detect_language

log = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"\bSX-\d{8}-\d{4}\b")
#: Kinds of notice an expert can accept or decline from the message itself.
DECIDABLE = frozenset({"case_assigned"})
#: The description in a notice is cut here so that a notice is always one message, whose reply names the case.
NOTICE_DESCRIPTION = 1500


def accept_data(number: str) -> str:
    return f"{DESK}accept:{number}"


def decline_data(number: str) -> str:
    return f"{DESK}decline:{number}"


def notice_messages(message: OutboxMessage) -> list[dict[str, Any]]:
    """A desk message to an expert's (or staff's) chat: a new case comes with its summary and the buttons."""
    payload = message.payload or {}
    text = payload.get("text") or ""
    number = payload.get("ticket")
    if message.kind not in ("case_assigned", "case_reopened") or not number:
        return text_messages(text)
    lang: Language = detect_language(text)
    description = payload.get("description") or "—"
    if len(description) > NOTICE_DESCRIPTION:
        description = description[:NOTICE_DESCRIPTION] + "…"
    details = texts.NOTICE_DETAILS.get(lang).format(
        company=payload.get("company") or "—",
        contact_name=payload.get("contact_name") or "—",
        country=payload.get("country") or "—",
        ip_type=payload.get("ip_type") or "—",
        dispute_type=payload.get("dispute_type") or "—",
        industry=payload.get("industry") or "—",
        deadline=payload.get("deadline") or "—",
        description=description,
    )
    rows = None
    if message.kind in DECIDABLE:
        rows = keyboard([(texts.ACCEPT_BUTTON, accept_data(number)), (texts.DECLINE_BUTTON, decline_data(number))])
    return text_messages(f"{text}\n\n{details}\n\n{texts.NOTICE_HOW_TO.get(lang)}", rows)


def ticket_in(text: str | None) -> str | None:
    """The ticket number a message names, if any."""
    found = TICKET_NUMBER.search(text or "")
    return found.group(0) if found else None


@dataclass(frozen=True)
class Outcome:
    """What the expert sees: a short note on the pressed button (if any) and messages in the chat."""

    note: str
    messages: list[dict[str, Any]]
    done: bool  # the case's buttons have served their purpose and can be taken away


class ExpertDesk:
    """Expert actions from Telegram chats, over the desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def accept(self, chat_id: int, number: str) -> Outcome:
        expert = self._expert(chat_id)
        lang = _language(expert)
        try:
            expert = self._require(expert)
            if not self._accepted_by(number, expert.id):  # a press handled again after a restart accepts once
                self.desk.accept(number, expert.id)
        except DeskError as error:
            return self._refused(number, error, lang)
        messages = text_messages(texts.ACCEPTED.get(lang).format(ticket=number))
        files = attachments_of(self.desk.sessions, number)
        if files:
            messages += text_messages(texts.ACCEPTED_FILES.get(lang).format(count=len(files)))
            messages += [{"document": f.telegram_file_id, "caption": f.file_name} for f in files if f.telegram_file_id]
        return Outcome(texts.ACCEPTED_NOTE.get(lang), messages, True)

    def decline(self, chat_id: int, number: str) -> Outcome:
        expert = self._expert(chat_id)
        lang = _language(expert)
        try:
            expert = self._require(expert)
            self.desk.decline(number, expert.id, texts.DECLINE_REASON)
        except DeskError as error:
            return self._refused(number, error, lang)
        return Outcome(
            texts.DECLINED_NOTE.get(lang), text_messages(texts.DECLINED.get(lang).format(ticket=number)), True
        )

    def answer(self, chat_id: int, number: str, text: str) -> Outcome | None:
        """The expert's answer to case `number`; None when the chat is no expert's (an enterprise replying to its
        own ticket's message is just talking to the bot)."""
        expert = self._expert(chat_id)
        if expert is None:
            return None
        lang = _language(expert)
        try:
            self.desk.answer(number, expert.id, text)
        except DeskError as error:
            return self._refused(number, error, lang)
        confirmation = texts.ANSWERED.get(lang).format(ticket=number)
        return Outcome(confirmation, text_messages(confirmation), False)

    def _expert(self, chat_id: int) -> Expert | None:
        with self.desk.sessions() as session:
            experts = session.scalars(
                select(Expert).where(Expert.telegram_chat_id == str(chat_id)).order_by(Expert.id)
            ).all()
        if len(experts) > 1:
            log.warning(
                "Telegram chat %s is linked to %d experts (%s); acting as the first",
                chat_id,
                len(experts),
                ", ".join(str(e.id) for e in experts),
            )
        return experts[0] if experts else None

    def _accepted_by(self, number: str, expert_id: int) -> bool:
        with self.desk.sessions() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
        return ticket is not None and ticket.expert_id == expert_id and ticket.status in ("accepted", "answered")

    @staticmethod
    def _require(expert: Expert | None) -> Expert:
        if expert is None:
            raise DeskError("this chat is not linked to an expert of the desk", "wrong_expert")
        return expert

    @staticmethod
    def _refused(number: str, error: DeskError, lang: Language) -> Outcome:
        log.info("expert action on %s refused: %s", number, error)
        text = texts.NOT_YOUR_CASE.get(lang).format(ticket=number, reason=error)
        return Outcome(text[:200], text_messages(text), error.code in ("wrong_state", "wrong_expert", "not_found"))


def _language(expert: Expert | None) -> Language:
    """Experts who work in Chinese are addressed in Chinese, as their notices are."""
    return "zh" if expert is None or "zh" in (expert.languages or []) else "en"
