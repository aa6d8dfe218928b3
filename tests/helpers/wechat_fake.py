"""A fake WeChat API over real HTTP on 127.0.0.1, WeChat's side of the server URL, and the worker process.

`FakeWeChatApi` answers what the worker calls — /cgi-bin/token, message/custom/send, message/template/send,
menu/create — checks the access token of each call (only the latest token issued is valid, as WeChat's), records
every call, and can misbehave on request: a follower outside the 48-hour window (45015), one who unfollowed
(43004), a slow token endpoint (to make refreshes overlap).

`WeChatServerSide` plays WeChat posting to the worker's server URL: signed requests, plaintext or safe mode (AES,
through wechatpy's own crypto), and reads the passive replies. `WorkerProcess` runs `python -m bot.channels.wechat`.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat.server import signature
from tests.helpers.telegram_fake import WorkerProcess as TelegramWorkerProcess

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "wx0123456789abcdef"
SECRET = "fake-app-secret-for-the-tests"
TOKEN = "ipdeskTestToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the account's EncodingAESKey
ACCOUNT = "gh_ipdesk_test"


@dataclass
class Call:
    path: str
    params: dict[str, str]
    body: dict[str, Any]
    at: float
    errcode: int = 0

    @property
    def touser(self) -> str:
        return str(self.body.get("touser") or "")

    @property
    def text(self) -> str:
        if self.body.get("msgtype") == "msgmenu":
            return str(self.body["msgmenu"]["head_content"])
        return str((self.body.get("text") or {}).get("content") or "")

    @property
    def options(self) -> list[dict[str, str]]:
        return list((self.body.get("msgmenu") or {}).get("list") or [])


class FakeWeChatApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.token_calls = 0
        self.token_delay = 0.0
        self.tokens = itertools.count(1)
        self.valid_token: str | None = None
        self.window_closed: set[str] = set()
        self.unfollowed: set[str] = set()
        #: openid → how many more customer-service messages to it pass before the next one hangs (`hang_after`).
        self._hang_after: dict[str, int] = {}
        self.released = threading.Event()
        self._lock = threading.RLock()  # `wait_for`'s predicates read the calls while holding the condition
        self._changed = threading.Condition(self._lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, openid: str, path: str = "/cgi-bin/message/custom/send") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path and c.touser == openid and c.errcode == 0]

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
                self._changed.wait(min(left, 0.2))

    def wait_for_message(
        self, openid: str, predicate: Callable[[Call], bool] = lambda c: True, *, after: int = 0, timeout: float = 60
    ) -> Call:
        def found() -> Call | None:
            return next((c for c in self.sent(openid)[after:] if predicate(c)), None)

        return self.wait_for(found, timeout, f"a customer-service message to {openid}")

    def _answer(self, path: str, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if path == "/cgi-bin/token":
            time.sleep(self.token_delay)
            with self._lock:
                self.token_calls += 1
                if params.get("appid") != APP_ID or params.get("secret") != SECRET:
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                self.valid_token = f"ACCESS_TOKEN_{next(self.tokens)}"
                return {"access_token": self.valid_token, "expires_in": 7200}
        if params.get("access_token") != self.valid_token or self.valid_token is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        touser = str(body.get("touser") or "")
        if path == "/cgi-bin/message/custom/send":
            if self._hangs(touser):
                self.released.wait(60)  # until the test has killed the worker: this message never arrived
                return {"errcode": -1, "errmsg": "system error"}
            if touser in self.unfollowed:
                return {"errcode": 43004, "errmsg": "require subscribe"}
            if touser in self.window_closed:
                return {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
            return {"errcode": 0, "errmsg": "ok"}
        if path == "/cgi-bin/message/template/send":
            return {"errcode": 0, "errmsg": "ok", "msgid": 200228332}
        if path == "/cgi-bin/menu/create":
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40004, "errmsg": f"no such API {path}"}

    def hang_after(self, openid: str, passing: int) -> None:
        """Let `passing` customer-service messages to `openid` through, then hold the next one until `released`."""
        with self._lock:
            self._hang_after[openid] = passing
        self.released.clear()

    def _hangs(self, openid: str) -> bool:
        with self._lock:
            left = self._hang_after.get(openid)
            if left is None:
                return False
            if left > 0:
                self._hang_after[openid] = left - 1
                return False
            del self._hang_after[openid]
            return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw.decode("utf-8")) if raw else {}
                result = fake._answer(parts.path, params, body)
                with fake._changed:
                    fake.calls.append(Call(parts.path, params, body, time.time(), int(result.get("errcode", 0))))
                    fake._changed.notify_all()
                data = json.dumps(result, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        return Handler


@dataclass
class Answer:
    status: int
    body: str
    #: The passive reply's text, when the answer held one (decrypted in safe mode).
    text: str | None = None


class WeChatServerSide:
    """WeChat posting to the worker's server URL."""

    msg_ids = itertools.count(int(time.time() * 1000))

    def __init__(self, url: str, *, token: str = TOKEN, aes: bool = False) -> None:
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID) if aes else None

    def signed(self, **extra: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), f"n{next(self.msg_ids)}"
        return {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}

    def post(self, xml: str | bytes, params: dict[str, str] | None = None, timeout: float = 10) -> Answer:
        params = params if params is not None else self.signed()
        body = xml.encode("utf-8") if isinstance(xml, str) else xml
        if self.crypto is not None:
            envelope = self.crypto.encrypt_message(body.decode("utf-8"), params["nonce"], params["timestamp"])
            encrypt = xmltodict.parse(envelope)["xml"]["Encrypt"]
            params = {
                **params,
                "encrypt_type": "aes",
                "msg_signature": signature_of(self.token, params["timestamp"], params["nonce"], encrypt),
            }
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
        request = urllib.request.Request(f"{self.url}?{urlencode(params)}", data=body, method="POST")
        request.add_header("Content-Type", "text/xml")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8", "replace"))
        return Answer(status, text, self._reply_text(text, params))

    def _reply_text(self, text: str, params: dict[str, str]) -> str | None:
        if not text.startswith("<xml>"):
            return None
        if self.crypto is not None:
            envelope = xmltodict.parse(text)["xml"]
            assert envelope["MsgSignature"] == signature_of(
                self.token, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"]
            ), "the encrypted reply is not signed with the token"
            text = self.crypto.decrypt_message(text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        reply = xmltodict.parse(text)["xml"]
        assert reply["MsgType"] == "text"
        return str(reply["Content"])

    def says(self, openid: str, content: str, *, msg_id: int | None = None, **fields: str) -> Answer:
        return self.post(text_xml(openid, content, msg_id if msg_id is not None else next(self.msg_ids), **fields))

    def event(self, openid: str, event: str, key: str = "") -> Answer:
        return self.post(
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{next(self.msg_ids)}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
        )


def text_xml(openid: str, content: str, msg_id: int, **fields: str) -> str:
    extra = "".join(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>{extra}</xml>"
    )


def signature_of(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """The safe mode's msg_signature: SHA-1 over the token, timestamp, nonce and the encrypted text."""
    import hashlib

    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()  # noqa: S324


@dataclass
class WorkerProcess(TelegramWorkerProcess):
    """`python -m bot.channels.wechat` with the given environment, its output in a log file."""

    module = "bot.channels.wechat"
    #: The server URL the worker listens at.
    url: str = ""

    def wait_listening(self, timeout: float = 60) -> None:
        url = self.url
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError:
                return  # 403: listening, and refusing an unsigned request
            except OSError:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(f"the worker exited:\n{self.output()[-3000:]}") from None
                time.sleep(0.2)
        raise AssertionError(f"the worker did not listen at {url}:\n{self.output()[-3000:]}")


def worker_environment(
    *, api: FakeWeChatApi, port: int, rasa_url: str, rasa_token: str, database_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    """The worker's environment for a test: quick retries; `extra` as IPDESK_ names (WECHAT_AES_KEY=…)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPDESK_WECHAT_")}
    env.update(
        {
            "IPDESK_WECHAT_APP_ID": APP_ID,
            "IPDESK_WECHAT_SECRET": SECRET,
            "IPDESK_WECHAT_TOKEN": TOKEN,
            "IPDESK_WECHAT_API_BASE": api.base_url,
            "IPDESK_WECHAT_PORT": str(port),
            "IPDESK_RASA_URL": rasa_url,
            "IPDESK_RASA_TOKEN": rasa_token,
            "IPDESK_DATABASE_URL": database_url,
            "IPDESK_VAR_DIR": str(var_dir),
            "IPDESK_WECHAT_RETRY_BASE": "0.3",
            "IPDESK_WECHAT_RETRY_MAX": "1",
            "IPDESK_WECHAT_DESK_INTERVAL": "0.5",
            "IPDESK_DESK_OUTBOX_BACKOFF_SECONDS": "1",
            # A call to https://api.weixin.qq.com (one that ignored IPDESK_WECHAT_API_BASE) would go through this
            # proxy, which leads nowhere; the fake and Rasa are plain http on loopback.
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"IPDESK_{name}": value for name, value in extra.items()})
    return env
