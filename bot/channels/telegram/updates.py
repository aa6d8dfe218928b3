"""What the worker does with each kind of update, and what it answers.

`UpdateHandler.handle` does an update's work (a Rasa turn, a button press, an expert's decision, a stored
file) and returns the messages that answer it; the caller (`processing`) stores them and sends them. Nothing
here decides about retrying: a part that is down raises, and the update waits in the inbox.

- Text goes to Rasa as the user's message; the replies come back with Rasa's buttons as inline keyboards.
- Commands: /start and /lang are the channel's own; /help, /expert and /cancel are Rasa's intents, and so are
  /subscribe and /unsubscribe, whose words ("/subscribe 美国 机械 专利") go along as the `criteria` entity.
- A button press is acknowledged at once (the spinner on the button stops) and its payload becomes the
  user's next message, as in the REST channel.
- An expert's reply to a case message is their answer; their buttons accept or decline the case.
- A document is stored for the case; other non-text messages get a reply that says what the bot reads.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.clock import Clock
from bot.channels.payloads import clean_text
from bot.channels.telegram import texts
from bot.channels.telegram.documents import DocumentReceiver
from bot.channels.telegram.experts import ExpertDesk, Outcome, ticket_in
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.rasa_client import RasaClient
from bot.channels.telegram.rendering import BUTTON, DESK, LANGUAGE, from_rasa, keyboard, text_messages
from bot.channels.telegram.sending import Messenger
from knowledge import Language, detect_language

log = logging.getLogger(__name__)

#: Commands that are Rasa intents, sent as Rasa's payload syntax.
RASA_COMMANDS = {"/help": "/help", "/expert": "/request_human", "/cancel": "/cancel"}
#: Commands that are Rasa intents taking what follows them as the `criteria` entity.
CRITERIA_COMMANDS = {"/subscribe": "/subscribe_warnings", "/unsubscribe": "/unsubscribe_warnings"}
LANGUAGES = {"zh": "中文", "en": "English"}
#: The Rasa slot that holds the conversation's language.
LANGUAGE_SLOT = "language"


class UpdateHandler:
    def __init__(
        self,
        bot: Bot,
        messenger: Messenger,
        inbox: Inbox,
        rasa: RasaClient,
        experts: ExpertDesk,
        documents: DocumentReceiver,
        clock: Clock,
    ) -> None:
        self.bot = bot
        self.messenger = messenger
        self.inbox = inbox
        self.rasa = rasa
        self.experts = experts
        self.documents = documents
        self.clock = clock

    async def handle(self, update: Update) -> list[dict[str, Any]]:
        """Do `update`'s work; the messages that answer it."""
        if update.callback_query is not None:
            return await self._pressed(update, update.callback_query)
        message = update.message
        if message is None:
            return []
        if message.text is not None:
            text = clean_text(message.text)  # lone surrogates and non-characters: what no store can keep
            if text.strip().startswith("/"):  # Rasa strips too: " /restart" is a command, never an intent
                return await self._command(update, message)
            answered = await self._expert_reply(message)
            if answered is not None:
                return answered.messages
            if not text.strip():
                return []
            return await self._turn(update, text)
        if message.document is not None:
            return await self.documents.receive(
                update.update_id, message.chat_id, message.document, self.language(update)
            )
        if message.effective_attachment is not None:  # photo, sticker, voice, video, location …
            return text_messages(texts.NOT_TEXT.get(self.language(update)))
        return []  # service messages (a member joined, a title changed) need no answer

    def acknowledgement(self, update: Update) -> list[dict[str, Any]]:
        """What to say when the update has to wait for a part that is down: it was received and will be handled."""
        lang = self.language(update)
        data = update.callback_query.data if update.callback_query else None
        expert_reply = update.message is not None and update.message.reply_to_message is not None
        if (data or "").startswith(DESK) or expert_reply:
            return text_messages(texts.EXPERT_RECEIVED.get(lang))
        return text_messages(texts.RECEIVED.get(lang))

    def language(self, update: Update) -> Language:
        """The language to speak in: that of the user's own words (as Rasa decides it), else the one they chose
        with /lang, else their Telegram app's, else Chinese."""
        text = update.message.text if update.message is not None else None
        if text and not text.startswith("/"):
            return detect_language(text)
        chosen = self.inbox.language(update.effective_chat.id) if update.effective_chat else None
        if chosen in LANGUAGES:
            return chosen  # type: ignore[return-value]
        code = (update.effective_user.language_code or "") if update.effective_user else ""
        return "en" if code.lower().startswith("en") else "zh"

    # Messages ---------------------------------------------------------------------------------------------------

    async def _turn(self, update: Update, text: str) -> list[dict[str, Any]]:
        chat = update.effective_chat
        assert chat is not None  # every update handled here comes from a chat
        user = update.effective_user
        metadata = {
            "telegram": {
                "update_id": update.update_id,
                "chat_id": chat.id,
                "user_id": user.id if user else None,
                "language_code": user.language_code if user else None,
            }
        }
        replies = await self.rasa.say(chat.id, text, metadata)
        messages = from_rasa(replies, lambda title, payload: self.inbox.button(title, payload, self.clock.now()))
        if not messages:
            log.warning(
                "Rasa gave no reply to show for update %s of chat %s (%d reply parts)",
                update.update_id,
                chat.id,
                len(replies),
            )
            return text_messages(texts.UNANSWERED.get(self.language(update)))
        return messages

    async def _command(self, update: Update, message: Message) -> list[dict[str, Any]]:
        assert message.text is not None  # a command is text
        message_text = clean_text(message.text)
        command = message_text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        lang = self.language(update)
        if command == "/start":
            return text_messages(f"{texts.START.get(lang)}\n\n{texts.PRIVACY.get(lang)}")
        if command == "/lang":
            rows = keyboard((title, f"{LANGUAGE}{code}") for code, title in LANGUAGES.items())
            return text_messages(texts.CHOOSE_LANGUAGE.get(lang), rows)
        if command in RASA_COMMANDS:
            return await self._turn(update, RASA_COMMANDS[command])
        if command in CRITERIA_COMMANDS:
            parts = message_text.split(maxsplit=1)
            words = " ".join(parts[1].split()) if len(parts) > 1 else ""  # one line: the words, nothing more
            entities = json.dumps({"criteria": words[:500]}, ensure_ascii=False) if words else ""
            return await self._turn(update, CRITERIA_COMMANDS[command] + entities)
        return text_messages(texts.UNKNOWN_COMMAND.get(lang))

    async def _expert_reply(self, message: Message) -> Outcome | None:
        """An expert's reply to one of the bot's case messages is their answer to that case; None otherwise."""
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != self.bot.id:
            return None
        number = ticket_in(replied.text)
        if number is None:
            return None
        return await asyncio.to_thread(self.experts.answer, message.chat_id, number, message.text or "")

    # Buttons ----------------------------------------------------------------------------------------------------

    async def _pressed(self, update: Update, query: CallbackQuery) -> list[dict[str, Any]]:
        data = query.data or ""
        assert update.effective_chat is not None  # a button is pressed in a chat
        chat_id = update.effective_chat.id
        if data.startswith(BUTTON):
            pressed = self.inbox.pressed(data[len(BUTTON) :])
            if pressed is None:
                await self._answer(query, texts.BUTTON_EXPIRED.get(self.language(update)), alert=True)
                return []
            title, payload = pressed
            await self._answer(query, title)
            return await self._turn(update, payload)
        if data.startswith(LANGUAGE) and data[len(LANGUAGE) :] in LANGUAGES:
            code: Language = data[len(LANGUAGE) :]  # type: ignore[assignment]
            # The language first; the spinner and the keyboard are cosmetic and never keep the change from happening.
            self.inbox.set_language(chat_id, code, self.clock.now())
            await self.rasa.set_slot(chat_id, LANGUAGE_SLOT, code)
            await self._answer(query, LANGUAGES[code])
            await self._remove_keyboard(query)
            return text_messages(texts.LANGUAGE_SET.get(code))
        if data.startswith(DESK):
            action, _, number = data[len(DESK) :].partition(":")
            decide = {"accept": self.experts.accept, "decline": self.experts.decline}.get(action)
            if decide is not None and number:
                outcome = await asyncio.to_thread(decide, chat_id, number)
                await self._answer(query, outcome.note, alert=not outcome.done)
                if outcome.done:
                    await self._remove_keyboard(query)
                return outcome.messages
        log.warning("unknown callback data %r from chat %s", data, chat_id)
        await self._answer(query, texts.BUTTON_EXPIRED.get(self.language(update)), alert=True)
        return []

    async def _answer(self, query: CallbackQuery, text: str, *, alert: bool = False) -> None:
        """Stop the button's spinner. A press handled again after a restart may be too old to answer; that is
        expected and only noted, since the work the press asked for is done regardless."""
        try:
            await self.messenger.call("answerCallbackQuery", lambda: query.answer(text[:200], show_alert=alert))
        except BadRequest as error:
            log.info("callback query %s could not be answered (%s); handling the press anyway", query.id, error)
        except TelegramError as error:  # the spinner stops by itself; the press is handled regardless
            log.warning(
                "callback query %s could not be answered (%s: %s); handling the press anyway",
                query.id,
                type(error).__name__,
                error,
            )

    async def _remove_keyboard(self, query: CallbackQuery) -> None:
        """Take away buttons that have done their job (a decided case, a chosen language)."""
        if query.message is None:
            return
        try:
            await self.messenger.call("editMessageReplyMarkup", lambda: query.edit_message_reply_markup(None))
        except BadRequest as error:  # already removed (a press handled twice) or the message is too old
            log.info(
                "buttons of message %s in chat %s not removed: %s",
                query.message.message_id,
                query.message.chat.id,
                error,
            )
        except TelegramError as error:  # cosmetic: whatever Telegram says, the press's work is done regardless
            log.warning(
                "buttons of message %s in chat %s not removed: %s: %s",
                query.message.message_id,
                query.message.chat.id,
                type(error).__name__,
                error,
            )
