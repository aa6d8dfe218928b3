"""The web chat's HTTP application: the chat page, its API, the live stream and the source pages.

Public-facing, and apart from the staff console in everything: its own process and port, its own cookie (see
`sessions`), its own origin check. What a browser can do here:

- `GET /`, `/widget.js`, `/static/…`: the page and its files, served by the project (no CDN), under a Content
  Security Policy without inline script; the page may be framed only by the chat itself and the sites named in
  IPDESK_WEBCHAT_EMBED_ORIGINS.
- `POST /api/consent`: agree to the privacy notice; only then is a session — and so a conversation — issued.
- `POST /api/message` `{"id", "text", "label"?}`: a message into the visitor's own conversation. Checked as the
  REST channel checks (the "webchat" channel's `read_message`) before anything is sent. When Rasa cannot answer, the
  message is kept (`inbox`) and the visitor is told once that it was received and will be answered.
- `GET /api/history`, `GET /api/events` (server-sent events, `Last-Event-ID` on reconnect): the conversation as
  Rasa stores it, so the desk's messages delivered into it appear live and stay for the next visit.
- `POST /api/attachment`: a complaint or warning letter (PDF, image, Word; type checked by content, size capped),
  stored on the visitor's ticket as Telegram documents are.
- `POST /api/language` `{"language": "zh"|"en"}`: the conversation's language for buttons and the desk's messages.
- `POST /api/clear`: end the session and delete the conversation's stored events and kept messages.
- `GET /source/<id>`: the cited item in full.

Every POST must carry `X-Requested-With: ipdesk-chat` and, when the browser sends an Origin, come from this server's
own: a form on another site can send neither, and a cross-site script would need a CORS preflight that is never
granted. Each visitor's messages and each address's requests are rate-limited (bot/runtime/ratelimit.py); beyond
the limit 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.telegram.documents import safe_name
from bot.channels.payloads import typed_command_text
from bot.channels.webchat import rendering, sources
from bot.channels.webchat.config import WebchatSettings
from bot.channels.webchat.inbox import Inbox
from bot.channels.webchat.messages import Refused, TypedCommand, read_message
from bot.channels.webchat.rasa_client import RasaClient, RasaUnavailable
from bot.channels.webchat.sessions import COOKIE_NAME, Session, SessionSigner, load_or_create_key
from bot.runtime.ratelimit import SenderRateLimiter
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css", "widget.js": "text/javascript"}
ESCALATION_FORM = "escalation_form"
LANGUAGE_SLOT = "language"  # the actions' (actions/turn.py)
#: What a file's first bytes must be for its extension; the type recorded is ours, never the browser's.
FILE_TYPES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".doc": (b"\xd0\xcf\x11\xe0", "application/msword"),
}
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
HEARTBEAT_SECONDS = 15.0
#: Live streams one session may hold open at once (tabs of one visitor).
MAX_STREAMS = 4

SESSION = "webchat.session"  # the request's checked session (or None)
FILE_TEXTS = {
    "ticket": (
        "已收到文件《{name}》，已附在工单 {ticket} 上，专家会一并查看。",
        "We received {name} and attached it to ticket {ticket}; the expert will see it.",
    ),
    "form": (
        "已收到文件《{name}》，转人工的表单填完后会附在新工单上。",
        "We received {name}; it will be attached to the ticket once the form is complete.",
    ),
    "kept": (
        "已收到文件《{name}》，会附在您的下一张工单上（点“找专家咨询”即可转人工）。",
        "We received {name}; it will be attached to your next ticket (ask for an expert to open one).",
    ),
}


class Webchat:
    """The server's parts: the session signer, Rasa, the inbox, the limits, the knowledge base, the desk."""

    def __init__(self, settings: WebchatSettings, *, rasa: RasaClient | None = None) -> None:
        self.settings = settings
        key = load_or_create_key(settings.secret, settings.var_dir)
        self.signer = SessionSigner(key, settings.session_days * 86400)
        self.rasa = rasa or RasaClient(settings.rasa_url, settings.rasa_token)
        self.inbox = Inbox(settings.var_dir / "webchat-inbox.db")
        self.limiter = SenderRateLimiter(settings.burst, settings.per_minute)
        self.address_limiter = (
            SenderRateLimiter(settings.address_burst, settings.address_per_minute)
            if settings.address_burst > 0
            else None
        )
        self.kb = KnowledgeBase.load()
        self._desk: Any = None
        #: The open live streams of each session.
        self.streams: dict[str, int] = {}

    def desk(self) -> Any:
        """The desk's database (attachments, clearing a conversation), opened on first use: the chat starts and
        answers while the database is down."""
        if self._desk is None:
            from bot.desk.services import open_database

            self._desk = open_database(schema=False)
        return self._desk

    def title_of(self, item_id: str, language: str) -> str | None:
        return sources.title_of(self.kb, item_id, language)

    # --- sending, and keeping what cannot be sent now

    async def send(self, sender: str, client_id: str, text: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """Hand a message to Rasa, or keep it; what the browser is told."""
        if not self.inbox.has_waiting(sender):
            try:
                await self.rasa.say(sender, text, client_id, metadata)
                return {"status": "answered"}
            except RasaUnavailable as error:
                log.warning("webchat: Rasa cannot answer %s of %s now (%s); kept", client_id, sender, error)
        first = await asyncio.to_thread(self.inbox.keep, sender, client_id, text, metadata)
        return {"status": "kept", "notice": first}

    async def retry_kept(self) -> None:
        """Send the kept messages again, each conversation's oldest first, until Rasa answers them; and attach the
        files that were waiting for their sender's ticket."""
        from bot.clock import SystemClock
        from bot.desk.attachments import attach_pending

        while True:
            await asyncio.sleep(self.settings.retry_seconds)
            try:
                await self._retry_once()
            except Exception:
                log.exception("webchat: the pass over the kept messages failed; trying again")
            try:
                await asyncio.to_thread(attach_pending, self.desk().sessions, SystemClock())
            except Exception:
                log.exception("webchat: waiting files could not be attached now; trying again")

    async def _retry_once(self) -> None:
        for sender in await asyncio.to_thread(self.inbox.senders):
            for kept in await asyncio.to_thread(self.inbox.waiting, sender):
                try:
                    await self.rasa.say(sender, kept.text, kept.client_id, kept.metadata)
                except RasaUnavailable:
                    await asyncio.to_thread(self.inbox.tried, sender, kept.client_id)
                    break  # the rest wait behind it, so that answers keep their order
                except Refused as refused:
                    log.error(
                        "webchat: kept message %s of %s refused by Rasa (%s); dropped", kept.client_id, sender, refused
                    )
                else:
                    log.info("webchat: kept message %s of %s answered", kept.client_id, sender)
                await asyncio.to_thread(self.inbox.answered, sender, kept.client_id)

    async def close(self) -> None:
        await self.rasa.close()
        self.inbox.close()
        if self._desk is not None:
            self._desk.engine.dispose()


# --- The application


def build_app(chat: Webchat) -> web.Application:
    settings = chat.settings
    app = web.Application(
        middlewares=[_headers(settings), _guard(chat)], client_max_size=(settings.max_file_mb + 1) * 1024 * 1024
    )
    routes = web.RouteTableDef()

    @routes.get("/health")
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @routes.get("/")
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=(STATIC / "chat.html").read_bytes(), content_type="text/html", charset="utf-8")

    @routes.get("/widget.js")
    async def widget(request: web.Request) -> web.Response:
        return _static("widget.js")

    @routes.get("/static/{name}")
    async def static(request: web.Request) -> web.Response:
        return _static(request.match_info["name"])

    @routes.get("/source/{item_id}")
    async def source(request: web.Request) -> web.Response:
        html = sources.render(chat.kb, request.match_info["item_id"], _language(request))
        if html is None:
            return web.Response(status=404, text="没有这一条。 No such item.")
        return web.Response(text=html, content_type="text/html")

    @routes.get("/api/session")
    async def session(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "consented": request.get(SESSION) is not None,
                "retention_days": settings.retention_days,
                "session_days": settings.session_days,
                "max_file_mb": settings.max_file_mb,
                "file_types": sorted(FILE_TYPES),
            }
        )

    @routes.post("/api/consent")
    async def consent(request: web.Request) -> web.Response:
        current = request.get(SESSION)
        issued = current if isinstance(current, Session) else chat.signer.new()
        response = web.json_response({"consented": True})
        _set_cookie(response, chat, issued)
        if current is None:
            log.info("webchat: a visitor agreed to the privacy notice; session %s issued", _short(issued.sender))
        return response

    @routes.post("/api/message")
    async def message(request: web.Request) -> web.Response:
        visitor = _visitor(request, chat.limiter)
        body = await _json(request)
        label = body.get("label")
        metadata: dict[str, Any] = {"webchat": {"label": label[:200]}} if isinstance(label, str) and label else {}
        try:
            sender, text, _, metadata = read_message(
                {
                    "sender": visitor.sender,
                    "message": body.get("text"),
                    "message_id": body.get("id"),
                    "metadata": metadata,
                }
            )
        except TypedCommand as typed:
            shown = typed_command_text(typed.refused, "en" if body.get("lang") == "en" else "zh")
            return web.json_response({"error": shown}, status=400)
        except Refused as refused:
            return web.json_response({"error": str(refused)}, status=refused.status)
        try:
            return web.json_response(await chat.send(sender, str(body["id"]), text, metadata))
        except Refused as refused:
            return web.json_response({"error": str(refused)}, status=400)

    @routes.get("/api/history")
    async def history(request: web.Request) -> web.Response:
        visitor = _visitor(request)
        try:
            shown = await _messages(chat, visitor.sender, _language(request))
        except RasaUnavailable as error:
            log.warning("webchat: the history of %s cannot be read now: %s", _short(visitor.sender), error)
            return web.json_response({"error": "the conversation cannot be read now; try again"}, status=503)
        return web.json_response({"messages": shown, "waiting": chat.inbox.has_waiting(visitor.sender)})

    @routes.get("/api/events")
    async def events(request: web.Request) -> web.StreamResponse:
        visitor = _visitor(request)
        if chat.streams.get(visitor.sender, 0) >= MAX_STREAMS:
            raise _too_many(HEARTBEAT_SECONDS)  # each stream reads the conversation every second: a few tabs, no more
        cursor = rendering.cursor_of(request.headers.get("Last-Event-ID") or request.query.get("after"))
        chat.streams[visitor.sender] = chat.streams.get(visitor.sender, 0) + 1
        try:
            return await _stream(chat, request, visitor, cursor)
        finally:
            chat.streams[visitor.sender] -= 1
            if not chat.streams[visitor.sender]:
                del chat.streams[visitor.sender]

    @routes.post("/api/language")
    async def choose_language(request: web.Request) -> web.Response:
        """The visitor's switch: button presses and the desk's messages are answered in this language from now
        on (the conversation's `language` slot, as the Telegram worker sets it); a typed question is answered in
        the language it is written in."""
        visitor = _visitor(request)
        language = (await _json(request)).get("language")
        if language not in ("zh", "en"):
            return web.json_response({"error": '"language" must be "zh" or "en"'}, status=400)
        try:
            await chat.rasa.set_slot(visitor.sender, LANGUAGE_SLOT, language)
        except RasaUnavailable as error:
            log.warning("webchat: the language of %s could not be set now: %s", _short(visitor.sender), error)
            return web.json_response({"error": "the language could not be set now"}, status=503)
        return web.json_response({"language": language})

    @routes.post("/api/attachment")
    async def attachment(request: web.Request) -> web.Response:
        return await _receive_file(chat, request, _visitor(request, chat.limiter))

    @routes.post("/api/clear")
    async def clear(request: web.Request) -> web.Response:
        visitor = _visitor(request)
        try:
            counts = await asyncio.to_thread(_forget, chat, visitor.sender)
        except Exception:
            log.exception("webchat: the conversation %s could not be cleared", _short(visitor.sender))
            return web.json_response({"error": "the conversation could not be cleared now; try again"}, status=503)
        log.info("webchat: conversation %s cleared by its visitor: %s", _short(visitor.sender), counts)
        response = web.json_response({"cleared": True})
        response.del_cookie(COOKIE_NAME, path="/")
        return response

    app.add_routes(routes)

    async def start_retrying(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(chat.retry_kept())
        yield
        task.cancel()
        await chat.close()

    app.cleanup_ctx.append(start_retrying)
    return app


def _visitor(request: web.Request, limiter: SenderRateLimiter | None = None) -> Session:
    """The request's session (401 without one), having taken one message's token from `limiter` (429 beyond it)."""
    session = request.get(SESSION)
    if not isinstance(session, Session):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "no chat session: agree to the privacy notice first"}),
            content_type="application/json",
        )
    waited = limiter.acquire(session.sender) if limiter is not None else None
    if waited is not None:
        raise _too_many(waited)
    return session


async def _stream(chat: Webchat, request: web.Request, visitor: Session, cursor: float | None) -> web.StreamResponse:
    """Server-sent events: each message of the conversation newer than `cursor`, as it arrives, until the browser
    goes away (it reconnects by itself, with Last-Event-ID)."""
    language = _language(request)
    stream = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await stream.prepare(request)
    await stream.write(b"retry: 2000\n\n")
    quiet = 0.0
    while True:
        try:
            fresh = rendering.after(await _messages(chat, visitor.sender, language), cursor)
        except RasaUnavailable:
            fresh = []  # Rasa is down: the stream stays, and goes on when Rasa is back
        for shown in fresh:
            await stream.write(f"id: {shown['id']}\ndata: {json.dumps(shown, ensure_ascii=False)}\n\n".encode())
            cursor = float(shown["id"])
            quiet = 0.0
        if quiet >= HEARTBEAT_SECONDS:
            await stream.write(b": still here\n\n")  # a proxy closes a silent connection
            quiet = 0.0
        await asyncio.sleep(chat.settings.poll_seconds)
        quiet += chat.settings.poll_seconds


async def _messages(chat: Webchat, sender: str, language: str) -> list[dict[str, Any]]:
    return rendering.messages(await chat.rasa.events(sender), chat.title_of, language)


def _forget(chat: Webchat, sender: str) -> dict[str, int]:
    """Delete the conversation's events from the tracker store and its kept messages (tickets stay with the desk,
    under its retention)."""
    from bot.desk.retention import PersonalStores

    stores = PersonalStores.of(chat.desk().engine, chat.settings.var_dir)
    try:
        counts = stores.purge_senders({sender})
    finally:
        if stores.tracker is not None and stores.tracker is not chat.desk().engine:
            stores.tracker.dispose()
    counts["kept_messages"] = chat.inbox.forget(sender)
    return counts


async def _receive_file(chat: Webchat, request: web.Request, visitor: Session) -> web.Response:
    from bot.clock import SystemClock
    from bot.desk.attachments import record_attachment

    language = _language(request)
    limit = chat.settings.max_file_mb * 1024 * 1024
    try:
        reader = await request.multipart()
        part = await reader.next()
    except (ValueError, AssertionError, KeyError):
        part = None
    if part is None or getattr(part, "name", None) != "file" or not getattr(part, "filename", None):
        return web.json_response({"error": 'send the file as multipart field "file"'}, status=400)
    name = safe_name(part.filename)  # type: ignore[union-attr]
    kind = FILE_TYPES.get(Path(name).suffix.lower())
    if kind is None:
        return web.json_response({"error": "only PDF, PNG, JPEG and Word files can be attached"}, status=415)
    client_id = request.query.get("id") or uuid.uuid4().hex
    if not CLIENT_ID.fullmatch(client_id):
        return web.json_response({"error": '"id" must be 8 to 64 of A-Z a-z 0-9 _ -'}, status=400)
    folder = chat.settings.var_dir / "attachments" / f"web_{hashlib.sha256(visitor.sender.encode()).hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{client_id}-{name}"
    size = 0
    with open(path, "wb") as file:  # noqa: ASYNC230 - small chunks to a local disk
        while chunk := await part.read_chunk(64 * 1024):  # type: ignore[union-attr]
            size += len(chunk)
            if size > limit:
                break
            file.write(chunk)
    head = path.read_bytes()[:8] if size <= limit else b""
    if size > limit or size == 0 or not head.startswith(kind[0]):
        path.unlink(missing_ok=True)
        if size > limit:
            return web.json_response({"error": f"the file is larger than {chat.settings.max_file_mb} MB"}, status=413)
        return web.json_response({"error": "the file's content is not what its name says"}, status=415)
    try:
        in_form = await chat.rasa.active_form(visitor.sender) == ESCALATION_FORM
        stored = await asyncio.to_thread(
            record_attachment,
            chat.desk().sessions,
            SystemClock(),
            sender_id=visitor.sender,
            source_key=f"webchat:{visitor.sender}:{client_id}",
            file_name=name,
            mime_type=kind[1],
            size=size,
            path=str(path.resolve()),
            attach_to_open_ticket=not in_form,
        )
    except Exception:
        log.exception("webchat: the file %s of %s could not be recorded", name, _short(visitor.sender))
        path.unlink(missing_ok=True)
        return web.json_response({"error": "the file could not be stored now; send it again later"}, status=503)
    which = "ticket" if stored.ticket_number else ("form" if in_form else "kept")
    wording = FILE_TEXTS[which][1 if language == "en" else 0]
    return web.json_response(
        {"text": wording.format(name=name, ticket=stored.ticket_number or ""), "ticket": stored.ticket_number}
    )


# --- Middlewares: security headers; the session, the origin check and the address limit


def _headers(settings: WebchatSettings) -> Callable[..., Awaitable[web.StreamResponse]]:
    ancestors = " ".join(["'self'", *settings.embed_origins])
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'"
    )

    @web.middleware
    async def headers(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            response = error
        if not response.prepared:
            response.headers.setdefault("Content-Security-Policy", policy)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if request.path.startswith("/api/"):
                response.headers.setdefault("Cache-Control", "no-store")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return headers


def _guard(chat: Webchat) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def guard(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            if chat.address_limiter is not None and request.path != "/api/events":
                waited = chat.address_limiter.acquire(request.remote or "unknown")
                if waited is not None:
                    raise _too_many(waited)
            if request.method == "POST" and not _same_origin(request):
                log.warning(
                    "webchat: a %s from another origin (%s) refused", request.path, request.headers.get("Origin")
                )
                return web.json_response({"error": "requests must come from the chat's own page"}, status=403)
        session = chat.signer.read(request.cookies.get(COOKIE_NAME))
        request[SESSION] = session
        response = await handler(request)
        renewed = chat.signer.renewed(session) if session is not None else None
        if renewed is not None and not response.prepared and request.path != "/api/clear":
            _set_cookie(response, chat, renewed)
        return response

    return guard


def _same_origin(request: web.Request) -> bool:
    if request.headers.get("X-Requested-With") != "ipdesk-chat":
        return False
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def _set_cookie(response: web.StreamResponse, chat: Webchat, session: Session) -> None:
    settings = chat.settings
    response.set_cookie(
        COOKIE_NAME,
        chat.signer.cookie_value(session),
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite=settings.samesite,
    )


def _static(name: str) -> web.Response:
    kind = STATIC_FILES.get(name)
    if kind is None:
        raise web.HTTPNotFound()
    return web.Response(body=(STATIC / name).read_bytes(), content_type=kind, charset="utf-8")


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "the body must be a JSON object"}), content_type="application/json"
        )
    return body


def _language(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else "zh"


def _too_many(seconds: float) -> web.HTTPTooManyRequests:
    wait = max(1, math.ceil(seconds))
    return web.HTTPTooManyRequests(
        text=json.dumps({"error": "too many messages; wait a moment", "retry_after": wait}),
        content_type="application/json",
        headers={"Retry-After": str(wait)},
    )


def _short(sender: str) -> str:
    """A sender id as logs name it: enough to follow one conversation, not enough to take it over."""
    return sender[:12] + "…"
