"""The console's web application: sessions, CSRF, roles, security headers, error pages and templates.

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript; the script adds only the live
suggestion and the company lookup. Every state-changing request is a POST carrying the session's CSRF token
(form field `csrf_token` or header `X-CSRF-Token`) and, when the browser sends one, an Origin of this console.
The session cookie is HttpOnly and SameSite=Strict.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import ipaddress
import logging
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable
from urllib.parse import quote, unquote, urlencode

import aiohttp
import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from markupsafe import Markup

from bot.desk import audit
from bot.console.accounts import Principal
from bot.console.context import ConsoleContext
from bot.desk.privacy import shown_contact
from bot.console.tickets import EVENT_LABELS
from bot.console.topics import topic_label
from bot.desk.tickets import DeskError

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "ipdesk_session"
LOGIN_CSRF_COOKIE = "ipdesk_login_csrf"
FLASH_COOKIE = "ipdesk_flash"
PUBLIC_PATHS = ("/login", "/health", "/static/")
MAX_BODY = 2 * 1024 * 1024

CONTEXT: web.AppKey[ConsoleContext] = web.AppKey("context", ConsoleContext)
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates", jinja2.Environment)
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http", aiohttp.ClientSession)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def context(request: web.Request) -> ConsoleContext:
    return request.app[CONTEXT]


def principal(request: web.Request) -> Principal:
    return request["principal"]


async def blocking(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run database work off the event loop, so one slow query does not hold up every other page."""
    return await asyncio.to_thread(functools.partial(function, *args, **kwargs))


# ----------------------------------------------------------------------------------------------------------------
# Rendering


def _flash_signature(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), b"flash\x00" + text.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def sign_flash(secret: str, text: str) -> str:
    """The flash cookie's value: the message and its HMAC, so that nobody but this console can put words on its
    pages (a cookie set from a sibling domain or a man in the middle of plain HTTP)."""
    quoted = quote(text[:300])
    return f"{_flash_signature(secret, quoted)}.{quoted}"


def read_flash(secret: str, value: str | None) -> str | None:
    """The message of a flash cookie this console signed; None for anything else."""
    if not value or "." not in value:
        return None
    signature, _, quoted = value.partition(".")
    if not hmac.compare_digest(signature, _flash_signature(secret, quoted)):
        return None
    return unquote(quoted)[:300]


def render(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    env = request.app[TEMPLATES]
    flash = request.get("flash")
    html = env.get_template(template).render(
        request=request, me=request.get("principal"), flash=flash, path=request.path, **values
    )
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    if flash is not None:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


def form_reason(form: Any) -> str:
    """The reason a knowledge or model form gave, on one line as the history and the audit trail show it."""
    return audit.folded(str(form.get("reason") or ""))


def redirect(location: str, *, flash: str | None = None) -> web.HTTPSeeOther:
    """A 303 to `location` carrying a one-time message for the next page (signed on its way out by
    `security_headers`, with the console's key: see `sign_flash`)."""
    response = web.HTTPSeeOther(location)
    if flash:
        response.set_cookie(FLASH_COOKIE, flash[:300], path="/", httponly=True, samesite="Strict", max_age=60)
    return response


def _sign_flash_cookie(request: web.Request, response: web.StreamResponse) -> None:
    morsel = response.cookies.get(FLASH_COOKIE)
    if morsel is not None and morsel.value and morsel.get("max-age") != "0":
        response.set_cookie(
            FLASH_COOKIE,
            sign_flash(context(request).settings.secret, morsel.value),
            path="/",
            httponly=True,
            samesite="Strict",
            max_age=60,
        )


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    if request.path.startswith("/api/"):
        return web.json_response({"error": message}, status=status)
    try:
        return render(request, "error.html", status=status, status_code=status, message=message)
    except Exception:  # the page that says something broke must not break too
        log.exception("console: the error page for %s %s could not be rendered", status, request.path)
        return web.Response(text=f"{status} {message}", status=status, content_type="text/plain", charset="utf-8")


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local_time
    env.filters["topic"] = topic_label
    env.filters["action"] = _action_label
    env.filters["detail"] = _detail_text
    env.filters["contact"] = lambda value, me: shown_contact(value, full=bool(me and me.sees_phone_numbers))
    env.globals["csrf_field"] = _csrf_field
    env.globals["query"] = _query
    env.globals["TICKET_STATUS"] = TICKET_STATUS_LABELS
    env.globals["PRIORITY"] = {"urgent": "紧急", "normal": "普通"}
    return env


#: What the audit trail and a ticket's history call each action, in the console's language.
ACTION_LABELS = {**audit.ACTION_LABELS, **EVENT_LABELS}


def _action_label(action: str) -> str:
    base = action.split(":", 1)[-1]
    label = ACTION_LABELS.get(base, base)
    return f"工单·{label}" if action.startswith("ticket:") else label


def _detail_text(detail: dict[str, Any] | None) -> str:
    """An audit entry's detail as one readable line: lists joined, empty values left out."""
    parts = []
    for key, value in (detail or {}).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, (list, tuple)):
            value = "、".join(map(str, value))
        elif isinstance(value, dict):
            value = "，".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", [], {}))
        parts.append(f"{key}：{value}")
    return "；".join(parts)


TICKET_STATUS_LABELS = {
    "new": "待分配",
    "assigned": "待受理",
    "accepted": "处理中",
    "answered": "已答复",
    "closed": "已关闭",
}


@jinja2.pass_context
def _local_time(ctx: jinja2.runtime.Context, value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as staff read it: in the desk's zone (Beijing time)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(ctx["request"].app[CONTEXT].desk_settings.hours.zone).strftime(fmt)
    return value.isoformat()


@jinja2.pass_context
def _csrf_field(ctx: jinja2.runtime.Context) -> Markup:
    me = ctx.get("me")
    token = me.csrf_token if me else ctx.get("login_csrf", "")
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def _query(base: dict[str, str], **changes: Any) -> str:
    merged = {**base, **{k: v for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


# ----------------------------------------------------------------------------------------------------------------
# Access control


def require(*roles: str) -> Callable[[Handler], Handler]:
    """Only these roles may open the page; others get a 403 that says so (and nothing of the page)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            me = request.get("principal")
            if me is None or me.role not in roles:
                log.warning(
                    "console: %s (%s) refused %s %s",
                    me.username if me else "-",
                    me.role if me else "-",
                    request.method,
                    request.path,
                )
                if me is not None:
                    await blocking(record_refusal, request, "page", request.path[:64], {"method": request.method})
                return error_page(request, 403, "您的账号无权访问此页面。")
            return await handler(request)

        return guarded

    return decorate


def record_refusal(request: web.Request, object_type: str, object_id: str, detail: dict[str, Any]) -> None:
    """An audit entry for a signed-in person refused something (a page of another role, another expert's case):
    probing leaves a trace even when the answer says nothing."""
    ctx = context(request)
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            request["principal"],
            "refused",
            at=ctx.clock.now(),
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )


def _trusted(ctx: ConsoleContext, address: str | None) -> bool:
    if not address or not ctx.settings.trusted_proxies:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in ctx.settings.trusted_proxies)


def from_trusted_proxy(request: web.Request) -> bool:
    """Whether the peer is a proxy configured as trusted (IPDESK_CONSOLE_TRUSTED_PROXIES)."""
    return _trusted(context(request), request.remote)


def client_ip(request: web.Request) -> str | None:
    """The client's address: the peer's, unless the peer is a trusted proxy — then the nearest address in
    X-Forwarded-For that is not itself a trusted proxy (the ones further left are whatever the client claimed)."""
    ctx = context(request)
    address = request.remote
    if not _trusted(ctx, address):
        return address
    hops = [hop.strip() for header in request.headers.getall("X-Forwarded-For", []) for hop in header.split(",")]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a malformed hop: stop believing the chain here
        address = hop
        if not _trusted(ctx, hop):
            break
    return address[:64] if address else address


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as raised:
        _sign_flash_cookie(request, raised)
        raise
    _sign_flash_cookie(request, response)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a page in Chinese; unexpected ones are logged with the request they broke."""
    try:
        return await handler(request)
    except web.HTTPException as exception:
        if exception.status >= 400 and exception.status != 413:
            messages = {404: "页面不存在。", 405: "不支持这种请求方式。"}
            return error_page(request, exception.status, messages.get(exception.status, exception.reason))
        if exception.status == 413:
            return error_page(request, 413, "提交的内容过大。")
        raise
    except DeskError as error:
        status = 404 if error.code == "not_found" else 409
        return error_page(request, status, str(error))
    except (UnicodeDecodeError, HttpProcessingError) as error:
        # A body that is not UTF-8 or not a well-formed form (`request.post()` parses lazily, in the handler): the
        # client's mistake, not ours.
        log.info("console: %s %s sent a body that cannot be read: %s", request.method, request.path, error)
        return error_page(request, 400, "提交的内容无法解析（应为 UTF-8 编码的表单）。")
    except asyncio.CancelledError:
        raise
    except Exception:
        me = request.get("principal")
        log.exception("console: %s %s by %s failed", request.method, request.path_qs, me.username if me else "-")
        return error_page(request, 500, "系统出错了，已记录。请稍后再试，或联系管理员。")


@web.middleware
async def sessions_and_csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx = context(request)
    request["flash"] = read_flash(ctx.settings.secret, request.cookies.get(FLASH_COOKIE))
    if any(request.path == p or (p.endswith("/") and request.path.startswith(p)) for p in PUBLIC_PATHS):
        return await handler(request)
    me = await blocking(ctx.accounts.resolve, request.cookies.get(SESSION_COOKIE), ip=client_ip(request))
    if me is None:
        if request.path.startswith("/api/"):
            return web.json_response({"error": "请先登录"}, status=401)
        target = request.path_qs if request.method == "GET" else "/"
        raise web.HTTPSeeOther("/login?" + urlencode({"next": target}))
    request["principal"] = me
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if not _same_origin(request):
            log.warning(
                "console: cross-origin %s %s from %s refused",
                request.method,
                request.path,
                request.headers.get("Origin"),
            )
            return error_page(request, 403, "请求来源不符，已拒绝。")
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            posted = (await request.post()).get("csrf_token")
            sent = posted if isinstance(posted, str) else None
        if not isinstance(sent, str) or not hmac.compare_digest(sent, me.csrf_token):
            log.warning("console: %s %s by %s without a valid CSRF token", request.method, request.path, me.username)
            return error_page(request, 403, "页面已过期或请求无效（CSRF 校验失败），请刷新后重试。")
    return await handler(request)


def public_origin(request: web.Request) -> str:
    """Where browsers reach this console: IPDESK_CONSOLE_PUBLIC_ORIGIN when set; else, from a trusted proxy, the
    scheme and host it forwards (X-Forwarded-Proto, X-Forwarded-Host or Host); else the request's own."""
    settings = context(request).settings
    if settings.public_origin:
        return settings.public_origin
    scheme, host = request.scheme, request.host
    if from_trusted_proxy(request):
        forwarded_proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        if forwarded_proto in ("http", "https"):
            scheme = forwarded_proto
        host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip() or host
    default_port = {"http": ":80", "https": ":443"}[scheme]
    return f"{scheme}://{host.removesuffix(default_port)}"


def _same_origin(request: web.Request) -> bool:
    """No Origin (an old browser, a command-line client holding the token) passes; a foreign one never does."""
    origin = request.headers.get("Origin")
    return origin is None or origin == public_origin(request)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_session_cookie(response: web.StreamResponse, token: str, settings: Any) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=settings.secure_cookies,
        max_age=int(settings.session_lifetime.total_seconds()),
    )


# ----------------------------------------------------------------------------------------------------------------
# The application


def create_app(ctx: ConsoleContext, *, view_modules: Iterable[Any] | None = None) -> web.Application:
    from bot.console import views

    app = web.Application(middlewares=[security_headers, errors, sessions_and_csrf], client_max_size=MAX_BODY)
    app[CONTEXT] = ctx
    app[TEMPLATES] = _templates()
    for module in view_modules if view_modules is not None else views.MODULES:
        app.add_routes(module.routes)
    app.router.add_static("/static/", HERE / "static", name="static", append_version=True)

    async def http_client(app: web.Application) -> AsyncIterator[None]:
        app[HTTP] = aiohttp.ClientSession()
        yield
        await app[HTTP].close()

    app.cleanup_ctx.append(http_client)
    return app
