"""Documents enterprises send (a served complaint, a takedown notice): downloaded, stored, attached to the case.

The file is fetched through the Bot API (getFile, then the file URL) into var/attachments/tg_<chat>/ and
recorded in the desk (`bot.desk.attachments`). Where it goes depends on the conversation: while the escalation
form is collecting, the ticket does not exist yet, so the file waits for it; otherwise it joins the sender's
open ticket, or waits for their next one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

from sqlalchemy.orm import sessionmaker
from telegram import Bot, Document

from bot.desk.attachments import record_attachment
from bot.clock import Clock
from bot.channels.telegram import texts
from bot.channels.identity import sender_id
from bot.channels.telegram.rasa_client import RasaClient
from bot.channels.telegram.rendering import text_messages
from bot.channels.telegram.sending import Messenger
from knowledge import Language

log = logging.getLogger(__name__)

#: Telegram's own Bot API serves files up to 20 MB through getFile.
MAX_DOWNLOAD_MB = 20
ESCALATION_FORM = "escalation_form"
_UNSAFE = re.compile(r"[^\w.()\- \u3000-\u303f\u4e00-\u9fff]+")


def safe_name(name: str | None) -> str:
    """A file name that stays inside its folder: no path, no control or shell characters, not hidden."""
    base = Path((name or "").replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:120] or "document"


class DocumentReceiver:
    def __init__(
        self, bot: Bot, messenger: Messenger, rasa: RasaClient, desk_sessions: sessionmaker, clock: Clock, folder: Path
    ) -> None:
        self.bot = bot
        self.messenger = messenger
        self.rasa = rasa
        self.desk_sessions = desk_sessions
        self.clock = clock
        self.folder = folder

    async def receive(self, update_id: int, chat_id: int, document: Document, lang: Language) -> list[dict[str, Any]]:
        """Store the document for the chat's sender; what to tell them."""
        if (document.file_size or 0) > MAX_DOWNLOAD_MB * 1024 * 1024:
            log.info(
                "document of %d bytes from chat %s refused: over %d MB", document.file_size, chat_id, MAX_DOWNLOAD_MB
            )
            return text_messages(texts.FILE_TOO_LARGE.get(lang).format(limit=MAX_DOWNLOAD_MB))
        in_form = await self.rasa.active_form(chat_id) == ESCALATION_FORM
        name = safe_name(document.file_name)
        path = self.folder / f"tg_{chat_id}" / f"{update_id}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        file = await self.messenger.call("getFile", lambda: self.bot.get_file(document.file_id))
        await file.download_to_drive(path, read_timeout=120)
        stored = await asyncio.to_thread(
            record_attachment,
            self.desk_sessions,
            self.clock,
            sender_id=sender_id(chat_id),
            source_key=f"telegram:update:{update_id}",
            file_name=name,
            mime_type=document.mime_type,
            size=path.stat().st_size,
            path=str(path.resolve()),
            telegram_file_id=document.file_id,
            attach_to_open_ticket=not in_form,
        )
        if stored.ticket_number:
            wording = texts.FILE_ON_TICKET.get(lang).format(name=name, ticket=stored.ticket_number)
        elif in_form:
            wording = texts.FILE_FOR_FORM.get(lang).format(name=name)
        else:
            wording = texts.FILE_KEPT.get(lang).format(name=name)
        return text_messages(wording)
