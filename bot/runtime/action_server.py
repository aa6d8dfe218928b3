"""The action server as the launcher runs it: rasa-sdk's executor of the custom actions, closed to strangers.

`python -m bot.runtime.action_server --port 5055` serves the custom actions of the `actions` package as
`rasa run actions` does (POST /webhook, GET /actions, GET /health), with what an internal service that runs
actions under any identity needs:

- **Every request but /health carries the shared secret** `IPDESK_ACTIONS_TOKEN`: the Rasa server sends it in an
  `Authorization: Bearer …` header (the launcher's endpoints file, `${IPDESK_ACTIONS_TOKEN}`), or as Rasa's `token`
  query parameter (`token:` of the action endpoint in endpoints.yml). It is checked before anything else; a request
  without it gets 401 and a fixed body. The server refuses to start without a token.
- **Only JSON**: a body that is not `application/json` (a `text/plain` form any web page can send without a
  preflight) gets 415; a body that is not an action call (not JSON, no `next_action`, no tracker) gets 400 with a
  reason and never the body back; an action that fails gets 500 with a fixed body (rasa-sdk's own handler echoes
  the request). No CORS: no browser has any business here.
- Bodies are capped (`MAX_BODY_BYTES`, as nginx's action entry), deflated ones too (Rasa may compress its calls).
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import zlib
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import text

logger = logging.getLogger(__name__)

#: A conversation's tracker travels with every call; nginx's action entry allows the same (deploy/nginx).
MAX_BODY_BYTES = 8 * 1024 * 1024
TOKEN_VARIABLE = "IPDESK_ACTIONS_TOKEN"
#: Paths served without the token: a health check tells nothing.
OPEN_PATHS = frozenset({"/health"})
UNAUTHORISED = {"error": "a valid token is required"}


class BadCall(Exception):
    """An action call the server cannot take, with the status and the reason it is given (never the body)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def presented_token(request: Request) -> str:
    """The token a request carries: the bearer token of its Authorization header, else its `token` parameter."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return str(request.args.get("token", ""))


def authorised(request: Request, token: str) -> bool:
    return hmac.compare_digest(presented_token(request).encode("utf-8", "replace"), token.encode("utf-8"))


def read_action_call(request: Request) -> dict[str, Any]:
    """The action call in a request's body, checked for the shape rasa-sdk's executor relies on."""
    content_type = (request.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise BadCall("the body must be application/json", 415)
    raw = request.body or b""
    if request.headers.get("Content-Encoding", "").lower() == "deflate":
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, MAX_BODY_BYTES + 1)
        except zlib.error:
            raise BadCall("the body is not deflate-compressed") from None
        if len(raw) > MAX_BODY_BYTES or inflater.unconsumed_tail:
            raise BadCall(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB once inflated")
    try:
        call = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadCall("the body is not JSON") from None
    if not isinstance(call, dict):
        raise BadCall("the body must be a JSON object (an action call)")
    if not isinstance(call.get("next_action"), str) or not call["next_action"]:
        raise BadCall('"next_action" must name an action')
    tracker = call.get("tracker")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        raise BadCall('"tracker" must be an object with a "sender_id"')
    for key, kind in (("slots", dict), ("latest_message", dict), ("events", list), ("active_loop", dict)):
        if tracker.get(key) is not None and not isinstance(tracker[key], kind):
            raise BadCall(f'"tracker.{key}" must be a{"n object" if kind is dict else " list"}')
    if call.get("domain") is not None and not isinstance(call["domain"], dict):
        raise BadCall('"domain" must be an object')
    return call


def create_app(token: str, package: str = "actions") -> Sanic:
    """The action server's Sanic app over the custom actions of `package`, answering only with `token`."""
    from rasa_sdk import utils
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

    if not token:
        raise ValueError(f"the action server needs a token ({TOKEN_VARIABLE})")
    app = Sanic("ipdesk_actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    executor = ActionExecutor()
    executor.register_package(package)

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if not authorised(request, token):
            logger.warning("action server: %s %s refused without a valid token", request.method, request.path)
            return response.json(UNAUTHORISED, status=401)
        return None

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            call = read_action_call(request)
        except BadCall as refused:
            return response.json({"error": str(refused)}, status=refused.status)
        utils.check_version_compatibility(call.get("version"))
        try:
            result = await executor.run(call)  # type: ignore[arg-type]
        except ActionExecutionRejection as rejection:
            return response.json({"error": rejection.message, "action_name": rejection.action_name}, status=400)
        except ActionNotFoundException as missing:
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        return response.json(result)

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("action server: %s %s failed", request.method, request.path, exc_info=exception)
            return response.json({"error": "the action failed"}, status=500)
        return response.json({"error": str(getattr(exception, "message", "")) or "refused"}, status=status)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the custom actions (the token is IPDESK_ACTIONS_TOKEN).")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--actions", default="actions", help="the package of the custom actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    token = text(os.environ, TOKEN_VARIABLE)
    if not token:
        logger.error("%s is not set: the action server does not start without its token", TOKEN_VARIABLE)
        return 2
    app = create_app(token, args.actions)
    logger.info("action server on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
