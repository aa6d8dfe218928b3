"""The REST channel of the public chat: Rasa's REST channel with what a public service needs in front of it.

`POST /webhooks/rest/webhook` with `{"sender": "<id>", "message": "<text>", "metadata": {…}}` answers with the turn's
replies, as Rasa's own REST channel does (credentials.yml names this class in its place; the channel is still
called "rest", so conversations and tickets opened here are REST's). In addition:

- **Bad requests get a clear answer**, never a 500 or an empty list: a body that is not a JSON object (or JSON
  nested too deep), a missing or overlong sender, a sender id with characters that would need percent-encoding in
  a URL (the desk's answers are delivered through Rasa's API, which takes the id from the path undecoded), a sender
  of another channel ("tg:…"), a missing message or one that is not a string: 400 with `{"error": …}`; a body over
  64 KiB: 413. A message over `IPDESK_REST_MAX_CHARS` characters (4000), usually a paste sent by mistake, is asked
  back under the reply contract (`clarify`: summarise it or send it in parts) and not stored; so is a message with no
  text once cleaned (spaces, tabs, control characters only: type the question). A typed `/intent{…}` that is not one of the
  bot's buttons (bot/channels/payloads.py) is not run: the user is answered under the reply contract — asked to
  write the question in words (`clarify`), or refused (`out_of_scope`/`refuse`) when it sets values — and nothing
  of it is stored. Control characters other than tab and newline, lone surrogates and
  non-characters are dropped from the message and the metadata. The input channel is always "rest", whatever the
  body claims. The sender id is the conversation's only credential: REST is for trusted server-side clients.
- **Per-address rate limit**, before anything else: `IPDESK_REST_ADDRESS_BURST` requests at once (60), then
  `IPDESK_REST_ADDRESS_PER_MINUTE` a minute (240), all the address's senders together; 0 turns it off (behind nginx,
  which limits per address itself).
- **Per-sender rate limit** (bot/runtime/ratelimit.py): `IPDESK_REST_BURST` messages at once (10), then
  `IPDESK_REST_PER_MINUTE` a minute (30); beyond that 429 with `{"error": …, "retry_after": s}` and a
  `Retry-After` header, before any work is done, so a flooding client cannot starve the other conversations. With
  `IPDESK_REDIS_URL` set the Rasa servers share the limits in Redis: a sender's rate is the same however nginx spreads its
  messages.
- **No turn is lost when the action server is down.** A turn whose custom actions fail is set aside
  (bot/runtime/turns.py), the question is stored in the desk's outbox (bot/runtime/held.py) and the user gets a holding reply
  of kind `holding` in the reply contract. The question is answered in the same conversation as soon as it can be:
  at the user's next message (before that message, so answers keep their order) or when the desk worker delivers
  it, through `POST /webhooks/rest/resume?token=<IPDESK_RASA_TOKEN>` with `{"sender": …}`.
- A part that is down (the tracker store's database, the lock store's Redis, the desk's database when a question
  must be held) gives 503 with `{"error": …}` and changes nothing; the client may send the message again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import threading
import time
import uuid
from typing import Any, Awaitable, Callable, Mapping, TypeVar

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.held import HeldQuestion, HeldQuestions
from bot.runtime.server import install as install_rasa_fixes
from bot.runtime.turns import (
    LOCK_WAIT_SECONDS,
    action_server_answers,
    record_unanswered,
    replies_to,
    run_turn,
    set_aside,
)
from bot.runtime.ratelimit import RateLimiter, SenderRateLimiter, retry_after_seconds, sender_rate_limiter
from bot import settings
from bot.contracts import Reply
from bot.channels.identity import SENDER_PREFIX as TELEGRAM_PREFIX
from bot.channels.identity import WEBCHAT_PREFIX
from bot.channels.identity import WECHAT_PREFIX
from bot.channels.payloads import (
    MAX_CHARS,
    RefusedPayload,
    clean_text,
    clean_value,
    screen,
    blank_reply,
    too_long_reply,
    typed_command_reply,
)
from knowledge import Localized, detect_language

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_LENGTH = 128  # the desk keeps a conversation's sender id in 128 characters
#: A sender id travels unencoded in the path of Rasa's API (the desk's answers are delivered there), which does not
#: decode percent-encoding: only characters that need none.
SENDER_FORM = re.compile(r"[A-Za-z0-9._~:@-]+")
#: A sender's messages at once, and a minute after that, unless IPDESK_REST_BURST / IPDESK_REST_PER_MINUTE say otherwise.
DEFAULT_BURST, DEFAULT_PER_MINUTE = 10, 30
#: One client address's messages at once and a minute, all its senders together (IPDESK_REST_ADDRESS_*).
DEFAULT_ADDRESS_BURST, DEFAULT_ADDRESS_PER_MINUTE = 60, 240
#: How often the list of conversations with held questions is read again (another Rasa server may have held one).
WAITING_REFRESH_SECONDS = 2.0

HOLDING = Localized(
    "已收到您的问题。系统正在恢复，答复稍后会出现在本对话中，无需重复发送。",
    "We have received your question. The service is recovering; the answer will appear in this conversation "
    "shortly, there is no need to send it again.",
)


class BadRequest(Exception):
    """A request the channel refuses, with its HTTP status and the reason the client is given."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class RestChannel(RestInput):
    """The "rest" input channel: validated, rate-limited, and holding questions while the action server is down."""

    def __init__(
        self,
        token: str | None,
        *,
        max_chars: int = MAX_CHARS,
        held: HeldQuestions | None = None,
        limiter: RateLimiter | None = None,
        address_limiter: RateLimiter | None = None,
    ) -> None:
        install_rasa_fixes()  # the failure watch (and the speed-ups) the channel relies on, also under plain `rasa run`
        self.token = token
        self.max_chars = max_chars
        self.limiter = limiter or SenderRateLimiter(DEFAULT_BURST, DEFAULT_PER_MINUTE)
        #: Per client address, all its senders together (None: no such limit, e.g. behind nginx, which limits).
        self.address_limiter = address_limiter
        self._held = held
        self._held_lock = threading.Lock()
        self._waiting: set[str] = set()
        self._waiting_read_at = float("-inf")
        self._refreshing: asyncio.Task[None] | None = None

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "RestChannel":
        credentials = credentials or {}
        env = os.environ
        burst = settings.read(
            env, "IPDESK_REST_BURST", settings.positive(int), int(credentials.get("burst", DEFAULT_BURST))
        )
        per_minute = settings.read(
            env,
            "IPDESK_REST_PER_MINUTE",
            settings.positive(int),
            int(credentials.get("per_minute", DEFAULT_PER_MINUTE)),
        )
        address_burst = settings.read(env, "IPDESK_REST_ADDRESS_BURST", settings.number(int), DEFAULT_ADDRESS_BURST)
        address_per_minute = settings.read(
            env, "IPDESK_REST_ADDRESS_PER_MINUTE", settings.positive(int), DEFAULT_ADDRESS_PER_MINUTE
        )
        return cls(
            credentials.get("token") or settings.text(env, "IPDESK_RASA_TOKEN"),
            max_chars=settings.read(
                env, "IPDESK_REST_MAX_CHARS", settings.positive(int), int(credentials.get("max_chars", MAX_CHARS))
            ),
            limiter=sender_rate_limiter(burst, per_minute),
            address_limiter=sender_rate_limiter(address_burst, address_per_minute, scope="address")
            if address_burst > 0
            else None,
        )

    async def _in_thread(self, call: Callable[[HeldQuestions], T]) -> T:
        """`call(held questions)` in a worker thread: the desk's database is reached with blocking calls."""
        return await asyncio.to_thread(lambda: call(self._held_questions()))

    def _held_questions(self) -> HeldQuestions:
        """The held questions, in the desk's database (IPDESK_DATABASE_URL), opened on first use."""
        with self._held_lock:
            if self._held is None:
                self._held = _open_held_questions()
        return self._held

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = Blueprint("rest_channel", __name__)

        @channel.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.address_limiter is not None:
                wait = self.address_limiter.acquire(request.ip or "unknown")
                if wait is not None:
                    seconds = retry_after_seconds(wait)
                    logger.warning("rest: the address %s is sending too fast; refused for %d s", request.ip, seconds)
                    return response.json(
                        {
                            "error": f"too many messages from this address; send again in {seconds} s",
                            "retry_after": seconds,
                        },
                        status=429,
                        headers={"Retry-After": str(seconds)},
                    )
            try:
                sender, text, metadata = self._read(request)
            except BadRequest as refused:
                return response.json({"error": str(refused)}, status=refused.status)
            wait = self.limiter.acquire(sender)
            if wait is not None:
                seconds = retry_after_seconds(wait)
                logger.warning("rest: %s is sending too fast; refused for %d s", sender, seconds)
                return response.json(
                    {"error": f"too many messages from this sender; send again in {seconds} s", "retry_after": seconds},
                    status=429,
                    headers={"Retry-After": str(seconds)},
                )
            if not text.strip():  # spaces or invisible characters only: asked for the question, nothing stored
                logger.info("rest: a message with no text from %s was not taken", sender)
                return response.json([blank_reply(sender)])
            if len(text) > self.max_chars:  # asked back in the conversation; nothing of it reaches Rasa
                logger.info("rest: a message of %d characters from %s was not taken", len(text), sender)
                return response.json([too_long_reply(sender, text, self.max_chars)])
            try:
                text = screen(text)
            except RefusedPayload as refused:
                # Answered here under the reply contract, not run: the conversation and the desk stay as they were.
                # The reason names the intent and the entity, never the value (a contact typed into it stays out).
                logger.info("rest: a typed command of %s was not run: %s", sender, refused)
                return response.json([typed_command_reply(sender, text, refused)])
            agent = _ready_agent(request)
            if agent is None:
                return response.json({"error": "the bot is starting; send the message again shortly"}, status=503)
            message_id = uuid.uuid4().hex
            try:
                async with agent.lock_store.lock(sender, wait_time_in_seconds=LOCK_WAIT_SECONDS):
                    return response.json(await self._converse(agent, sender, text, metadata, message_id))
            except LockError:
                logger.exception("rest: the conversation %s could not be locked for message %s", sender, message_id)
                return response.json(
                    {
                        "error": "the conversation cannot be locked now (the lock store is unreachable "
                        "or busy); nothing was changed, send the message again shortly"
                    },
                    status=503,
                )
            except Exception:
                logger.exception("rest: the message %s of %s could not be handled", message_id, sender)
                return response.json(
                    {"error": "the message could not be handled now; send it again shortly"}, status=503
                )

        @channel.route("/resume", methods=["POST"])
        async def resume(request: Request) -> HTTPResponse:
            if not self.token or not hmac.compare_digest(str(request.args.get("token", "")), self.token):
                return response.json({"error": "a valid token is required"}, status=403)
            body = _json_object(request.body)
            sender = body.get("sender") if body is not None else None
            if not isinstance(sender, str) or not sender:
                return response.json({"error": 'expected {"sender": "<conversation id>"}'}, status=400)
            agent = _ready_agent(request)
            if agent is None:
                return response.json({"error": "no model is loaded"}, status=503)
            try:
                async with agent.lock_store.lock(sender, wait_time_in_seconds=LOCK_WAIT_SECONDS):
                    replies, answered, waiting = await self._resume(agent, sender)
            except Exception:
                logger.exception("rest: the held questions of %s could not be resumed", sender)
                return response.json({"error": "could not resume now"}, status=503)
            return response.json({"answered": answered, "waiting": waiting, "messages": replies})

        return channel

    def _read(self, request: Request) -> tuple[str, str, dict[str, Any] | None]:
        if len(request.body or b"") > MAX_BODY_BYTES:
            raise BadRequest(413, f"the request is larger than {MAX_BODY_BYTES // 1024} KiB")
        body = _json_object(request.body)
        if body is None:
            raise BadRequest(400, 'the body must be a JSON object: {"sender": "<id>", "message": "<text>"}')
        sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
        if not isinstance(sender, str) or not sender.strip():
            raise BadRequest(400, '"sender" must be a non-empty string that names the conversation')
        if len(sender) > MAX_SENDER_LENGTH or not SENDER_FORM.fullmatch(sender):
            raise BadRequest(
                400,
                f'"sender" must be 1 to {MAX_SENDER_LENGTH} of the characters A-Z a-z 0-9 . _ ~ : @ - '
                "(an id that needs no percent-encoding in a URL, so the desk's answers reach it)",
            )
        if sender.startswith(TELEGRAM_PREFIX):
            raise BadRequest(400, f'"sender" may not begin with "{TELEGRAM_PREFIX}": those are Telegram conversations')
        if sender.startswith(WEBCHAT_PREFIX):  # a web chat visitor's conversation: only its signed session reaches it
            raise BadRequest(400, f'"sender" may not begin with "{WEBCHAT_PREFIX}": those are web chat conversations')
        if sender.startswith(WECHAT_PREFIX):
            raise BadRequest(400, f'"sender" may not begin with "{WECHAT_PREFIX}": those are WeChat conversations')
        if not isinstance(text, str):
            raise BadRequest(400, '"message" must be a string')
        text = clean_text(text)
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequest(400, '"metadata" must be an object')
        if metadata is not None:
            try:
                metadata = clean_value(metadata)
            except RefusedPayload as refused:
                raise BadRequest(400, f'"metadata" is {refused}') from None
        return sender, text, metadata

    async def _converse(
        self, agent: Agent, sender: str, text: str, metadata: Mapping[str, Any] | None, message_id: str
    ) -> list[dict[str, Any]]:
        """The replies to one message: first the answers to the sender's held questions, if any can be given now,
        then its own; or a holding reply if it cannot be answered now."""
        replies: list[dict[str, Any]] = []
        still_waiting: list[str] = []
        if await self._may_be_waiting(sender):
            replies, _, still_waiting = await self._resume(agent, sender)
        message = UserMessage(
            text,
            CollectingOutputChannel(),
            sender,
            input_channel=self.name(),
            metadata=dict(metadata) if metadata else None,
            message_id=message_id,
        )
        if still_waiting:  # the earlier questions still cannot be answered: this one waits behind them
            waits = await self._hold(sender, message_id, text, metadata)
            await record_unanswered(agent, message, waits)
            return replies + [waits]
        turn = await run_turn(agent, message)
        if not turn.failed:
            return replies + turn.replies
        holding: dict[str, Any] | None = None
        try:  # set aside even when the question cannot be stored: the client is told to send it again
            holding = await self._hold(sender, message_id, text, metadata)
        finally:
            await set_aside(agent, sender, holding)
        return replies + [holding]

    async def _hold(
        self, sender: str, message_id: str, text: str, metadata: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Store the question (raises when the desk's database cannot take it) and make the holding reply."""
        language = detect_language(text)
        await self._in_thread(lambda held: held.hold(sender, message_id, text, language=language, metadata=metadata))
        self._waiting.add(sender)
        logger.warning("rest: question %s of %s is held until the bot can answer it", message_id, sender)
        holding: Reply = {"kind": "holding", "language": language, "sources": [], "held": message_id}
        return {"recipient_id": sender, "text": HOLDING.get(language), "custom": holding}

    async def _resume(self, agent: Agent, sender: str) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        """Run the turns of the sender's held questions, oldest first, until one fails again; the replies, the ids
        answered and the ids still waiting. The caller holds the conversation's lock."""
        waiting = await self._in_thread(lambda held: held.waiting(sender))
        if not waiting:
            self._waiting.discard(sender)
            return [], [], []
        if not await action_server_answers(agent):
            return [], [], [q.message_id for q in waiting]
        tracker = await agent.tracker_store.retrieve_full_tracker(sender)
        replies: list[dict[str, Any]] = []
        answered: list[HeldQuestion] = []
        for index, question in enumerate(waiting):
            if tracker is not None and replies_to(tracker, question.message_id) is not None:
                answered.append(question)  # answered before (the worker was stopped before recording it)
                continue
            message = UserMessage(
                question.text,
                CollectingOutputChannel(),
                sender,
                input_channel=self.name(),
                metadata=dict(question.metadata) if question.metadata else None,
                message_id=question.message_id,
            )
            turn = await run_turn(agent, message)
            if turn.failed:
                await set_aside(agent, sender)
                left = [q.message_id for q in waiting[index:]]
                await self._in_thread(lambda held: held.answered([q.key for q in answered]))
                return replies, [q.message_id for q in answered], left
            logger.info("rest: held question %s of %s answered", question.message_id, sender)
            replies += turn.replies
            answered.append(question)
        await self._in_thread(lambda held: held.answered([q.key for q in answered]))
        self._waiting.discard(sender)
        return replies, [q.message_id for q in answered], []

    async def _may_be_waiting(self, sender: str) -> bool:
        """Whether the sender may have held questions: the set this server knows, read again from the database every
        couple of seconds in the background (a question held by another server is seen within that time)."""
        now = time.monotonic()
        if now - self._waiting_read_at > WAITING_REFRESH_SECONDS and (
            self._refreshing is None or self._refreshing.done()
        ):
            self._waiting_read_at = now
            self._refreshing = asyncio.create_task(self._refresh_waiting())
        return sender in self._waiting

    async def _refresh_waiting(self) -> None:
        before = set(self._waiting)
        try:
            stored = await self._in_thread(lambda held: held.senders_waiting())
        except Exception:
            logger.exception("rest: could not read which conversations have held questions")
            return
        self._waiting = stored | (self._waiting - before)  # keep what this server held while the query ran


def _open_held_questions() -> HeldQuestions:
    from bot.clock import SystemClock
    from bot.desk.services import open_database

    return HeldQuestions(open_database().sessions, SystemClock())


def _ready_agent(request: Request) -> Agent | None:
    agent = getattr(request.app.ctx, "agent", None)
    return agent if agent is not None and agent.is_ready() else None


def _json_object(body: bytes | None) -> dict[str, Any] | None:
    try:
        value = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[" nested 60 000 deep
        return None
    return value if isinstance(value, dict) else None
