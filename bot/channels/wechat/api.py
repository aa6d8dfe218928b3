"""The calls the worker makes to WeChat's API: the access token, customer-service messages, template messages and
the custom menu — every one of them to `api_base`.

wechatpy 1.8.18's `WeChatClient` is not used for these: it builds the access-token URL from a hard-coded
https://api.weixin.qq.com whatever API base it is given, so a proxy (or the tests' fake) would be bypassed for the
one call that carries the AppSecret; and it keeps the token in one process's memory, where several processes
would each fetch their own and invalidate each other's. Here the token comes from `TokenStore` (shared, one
refresh at a time) and every URL is built from `api_base`. Calls are synchronous (httpx): the outbox's sender runs
in a thread, and the worker's event loop calls them through `asyncio.to_thread`.

Neither the AppSecret nor the token is ever logged: they travel in query strings, and httpx's request log is
silenced by the worker (`__main__`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from bot.channels.wechat.rendering import msgmenu
from bot.channels.wechat.tokens import TokenStore

log = logging.getLogger(__name__)

#: Outside the 48-hour customer-service window: only template messages reach the follower.
WINDOW_CLOSED = 45015
#: The follower unfollowed the account (or never followed it): nothing reaches them.
NOT_FOLLOWING = 43004
#: The token was refused: invalid (40001, 40014) or expired (42001); refresh it once and call again.
TOKEN_REFUSED = frozenset({40001, 40014, 42001})
#: WeChat is busy (-1) or the call was rate limited (45009 the day's quota, 45047 too many messages): try later.
BUSY = frozenset({-1, 45009, 45047})


class WeChatApiError(Exception):
    """WeChat answered the call with an error code."""

    def __init__(self, path: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{path}: errcode {errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """WeChat could not be reached, or is busy: try again later."""


class WeChatApi:
    def __init__(self, api_base: str, app_id: str, secret: str, *, timeout: float = 15.0) -> None:
        self.api_base = api_base.rstrip("/")
        self.app_id = app_id
        self._secret = secret
        # trust_env=False: where the calls go is IPDESK_WECHAT_API_BASE, never an HTTP(S)_PROXY of the environment.
        self.http = httpx.Client(timeout=timeout, trust_env=False)
        self.tokens: TokenStore | None = None

    def close(self) -> None:
        self.http.close()

    def fetch_token(self) -> tuple[str, int]:
        """A new access token from WeChat and its lifetime in seconds (for `TokenStore`)."""
        result = self._request(
            "GET",
            "/cgi-bin/token",
            {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret},
            None,
        )
        token, lifetime = result.get("access_token"), result.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int):
            raise WeChatUnavailable("/cgi-bin/token answered without a token")
        return token, lifetime

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `path` with the shared token; a refused token is refreshed once."""
        if self.tokens is None:
            raise RuntimeError("WeChatApi.tokens is not set")
        token = self.tokens.get()
        try:
            return self._request("POST", path, {"access_token": token}, body)
        except WeChatApiError as error:
            if error.errcode not in TOKEN_REFUSED:
                raise
            log.warning("WeChat refused the access token on %s (errcode %d); refreshing it", path, error.errcode)
            return self._request("POST", path, {"access_token": self.tokens.get(stale=token)}, body)

    def send(self, openid: str, message: dict[str, Any]) -> None:
        """Send one rendered message (`rendering`) by the customer-service message API."""
        if "menu" in message:
            body = {"touser": openid, "msgtype": "msgmenu", "msgmenu": msgmenu(message)}
        else:
            body = {"touser": openid, "msgtype": "text", "text": {"content": message["text"]}}
        self.call("/cgi-bin/message/custom/send", body)

    def send_template(self, openid: str, template_id: str, data: dict[str, str], url: str | None = None) -> None:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {name: {"value": value} for name, value in data.items()},
        }
        if url:
            body["url"] = url
        self.call("/cgi-bin/message/template/send", body)

    def create_menu(self, menu: dict[str, Any]) -> None:
        self.call("/cgi-bin/menu/create", menu)

    def _request(self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None) -> dict[str, Any]:
        # Chinese as UTF-8, not \uXXXX escapes, which some of WeChat's endpoints show as they are.
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {} if body is None else {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self.http.request(
                method, f"{self.api_base}{path}", params=params, content=content, headers=headers
            )
        except httpx.HTTPError as error:
            raise WeChatUnavailable(f"{path}: {type(error).__name__}") from None  # the URL holds the secret
        if response.status_code != 200:
            raise WeChatUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            result = response.json()
        except ValueError:
            raise WeChatUnavailable(f"{path}: the answer is not JSON") from None
        errcode = result.get("errcode", 0) if isinstance(result, dict) else None
        if errcode is None:
            raise WeChatUnavailable(f"{path}: the answer is not a JSON object")
        if errcode in BUSY:
            raise WeChatUnavailable(f"{path}: errcode {errcode} {result.get('errmsg', '')}")
        if errcode != 0:
            raise WeChatApiError(path, int(errcode), str(result.get("errmsg", "")))
        return result
