"""Signing in and out, and the health check the launcher polls."""

from __future__ import annotations

from urllib.parse import urlparse

from aiohttp import web

from bot.console.accounts import SignInError
from bot.console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    blocking,
    client_ip,
    context,
    new_login_csrf,
    principal,
    redirect,
    render,
    set_session_cookie,
)

routes = web.RouteTableDef()


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    # Keep the token the browser already holds: a second tab, a reload or a prefetch must not invalidate the form
    # open in the first.
    held = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    token = held if 20 <= len(held) <= 64 and held.replace("-", "").replace("_", "").isalnum() else new_login_csrf()
    response = render(
        request, "login.html", login_csrf=token, next=_safe_next(request.query.get("next")), error=None, username=""
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/login", httponly=True, samesite="Strict", max_age=3600)
    return response


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    target = _safe_next(form.get("next"))
    username = str(form.get("username") or "")[:64]
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or cookie != form.get("csrf_token"):
        token = new_login_csrf()
        response = render(
            request,
            "login.html",
            status=403,
            login_csrf=token,
            next=target,
            username=username,
            error="登录页面已过期，请重新输入。",
        )
        response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/login", httponly=True, samesite="Strict", max_age=3600)
        return response
    ctx = context(request)
    try:
        me, token = await blocking(
            ctx.accounts.sign_in, username, str(form.get("password") or ""), ip=client_ip(request)
        )
    except SignInError as error:
        return render(
            request, "login.html", status=401, login_csrf=cookie, next=target, username=username, error=str(error)
        )
    response = redirect(target if target != "/" else ("/expert" if me.role == "expert" else "/"))
    set_session_cookie(response, token, ctx.settings)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await blocking(context(request).accounts.sign_out, principal(request))
    response = redirect("/login", flash="已退出登录。")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(value: object) -> str:
    """Only a path on this console: never an absolute URL (an open redirect) or a scheme-relative one."""
    text = str(value or "/")
    parsed = urlparse(text)
    if parsed.scheme or parsed.netloc or not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    return text[:500]
