"""A fake Telegram Bot API over real HTTP on 127.0.0.1, and the other props of the Telegram tests.

`FakeBotApi` answers what python-telegram-bot calls (getMe, getUpdates with offset semantics, sendMessage,
sendDocument, answerCallbackQuery, editMessageReplyMarkup, getFile and the file download, setWebhook,
deleteWebhook, setMyCommands), records every call, plays the users (`user_says`, `user_presses`, …), and
can misbehave on request: a 429 with retry_after, a request that hangs until the worker is killed, or a user who
blocked the bot (403 "Forbidden: bot was blocked by the user", as Telegram answers).

`Switch` is a TCP forwarder that can be switched off (connections refused) and on again: it stands between the
worker and a real server to take that server "down". `WorkerProcess` runs `python -m bot.channels.telegram`.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
BOT_ID = 777000111
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "IP Desk",
    "username": "ipdesk_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None

    @property
    def text(self) -> str:
        """The text as a reader sees it (the worker sends HTML)."""
        return html.unescape(self.params.get("text") or "")

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class _Fault:
    method: str
    chat_id: int | None
    kind: str  # "429", "hang" or "403"
    retry_after: int = 1
    remaining: int = 1


class FakeBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._confirmed = 0  # updates with an id below this were confirmed by an offset
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._faults: list[_Fault] = []
        self._released = threading.Event()
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    # Playing the users --------------------------------------------------------------------------------------

    def _user(self, chat_id: int, language: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}", "language_code": language}

    def _message(self, chat_id: int, language: str, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"},
            "from": self._user(chat_id, language),
            **content,
        }

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (and return its id)."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._lock.notify_all()
            return update["update_id"]

    def message_update(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        language: str = "zh",
        reply_to: Call | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        if text is not None:
            content["text"] = text
        if reply_to is not None:
            content["reply_to_message"] = self._bot_message(reply_to)
        return {"message": self._message(chat_id, language, **content)}

    def user_says(self, chat_id: int, text: str, **options: Any) -> int:
        return self.push(self.message_update(chat_id, text, **options))

    def user_sends_document(self, chat_id: int, name: str, content: bytes, mime: str = "application/pdf") -> int:
        file_id = f"file-{len(self.files) + 1}-{chat_id}"
        self.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": mime,
            "file_size": len(content),
        }
        return self.push(self.message_update(chat_id, document=document))

    def user_sends_photo(self, chat_id: int) -> int:
        photo = [{"file_id": "photo-1", "file_unique_id": "uphoto-1", "width": 90, "height": 90, "file_size": 100}]
        return self.push(self.message_update(chat_id, photo=photo))

    def user_presses(self, chat_id: int, message: Call, data: str, *, language: str = "zh") -> str:
        """Press the button with callback `data` under the bot's `message`; the callback query's id."""
        query_id = f"q{next(self._message_ids)}"
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id, language),
                    "chat_instance": "ci",
                    "data": data,
                    "message": self._bot_message(message),
                }
            }
        )
        return query_id

    def _bot_message(self, call: Call) -> dict[str, Any]:
        return {k: v for k, v in call.result.items() if k != "reply_markup"} | (
            {"reply_markup": call.params["reply_markup"]} if call.params.get("reply_markup") else {}
        )

    # Misbehaving -------------------------------------------------------------------------------------------

    def fail_next(self, method: str, *, chat_id: int | None = None, retry_after: int = 1) -> None:
        """The next `method` call (to `chat_id`) is refused with 429 Too Many Requests and `retry_after`."""
        with self._lock:
            self._faults.append(_Fault(method, chat_id, "429", retry_after))

    def hang(self, method: str, *, chat_id: int) -> None:
        """Calls of `method` to `chat_id` never get an answer (until `release`, which drops the connection)."""
        with self._lock:
            self._faults.append(_Fault(method, chat_id, "hang", remaining=10**6))
            self._released.clear()

    def block(self, chat_id: int) -> None:
        """The user of `chat_id` blocked the bot: every message to them is refused with 403 from now on."""
        with self._lock:
            for method in ("sendMessage", "sendDocument"):
                self._faults.append(_Fault(method, chat_id, "403", remaining=10**6))

    def unblock(self, chat_id: int) -> None:
        """The user of `chat_id` unblocked the bot: messages to them arrive again."""
        with self._lock:
            self._faults = [f for f in self._faults if not (f.chat_id == chat_id and f.kind == "403")]

    def release(self) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.kind != "hang"]
        self._released.set()

    def _fault_for(self, method: str, params: dict[str, Any]) -> _Fault | None:
        chat = params.get("chat_id")
        for fault in self._faults:
            if (
                fault.method == method
                and (fault.chat_id is None or str(fault.chat_id) == str(chat))
                and fault.remaining
            ):
                fault.remaining -= 1
                return fault
        return None

    # Looking at what the bot did ---------------------------------------------------------------------------

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.chat_id == chat_id and c.status == 200]

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")

    def wait_for_message(
        self, chat_id: int, predicate: Callable[[Call], bool] = lambda c: True, *, after: int = 0, timeout: float = 60.0
    ) -> Call:
        """The first message to `chat_id`, from the `after`-th on, that satisfies `predicate`."""

        def found() -> Call | None:
            return next((c for c in self.sent(chat_id)[after:] if predicate(c)), None)

        return self.wait_for(found, timeout, f"a message to chat {chat_id} after #{after}")

    # The HTTP side -----------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                prefix = f"/file/bot{api.token}/"
                path = unquote(urlsplit(self.path).path)
                if not path.startswith(prefix):
                    return self._send(404, b"not found", "text/plain")
                file_id = path[len(prefix) :].rsplit("/", 1)[-1]
                content = api.files.get(file_id)
                if content is None:
                    return self._send(404, b"no such file", "text/plain")
                self._send(200, content, "application/octet-stream")

            def do_POST(self) -> None:
                prefix = f"/bot{api.token}/"
                path = urlsplit(self.path).path
                if not path.startswith(prefix):
                    return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = path[len(prefix) :]
                params = self._params()
                with api._lock:
                    fault = api._fault_for(method, params)
                    call = Call(method, params, time.monotonic())
                    if fault is not None and fault.kind in ("429", "403"):
                        call.status = int(fault.kind)
                        api.calls.append(call)
                if fault is not None and fault.kind == "hang":
                    with api._lock:
                        api.calls.append(Call(method, params, time.monotonic(), status=0))
                    api._released.wait()
                    self.close_connection = True
                    return
                if call.status == 403:
                    return self._json(
                        403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
                    )
                if call.status == 429:
                    return self._json(
                        429,
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": f"Too Many Requests: retry after {fault.retry_after}",  # type: ignore[union-attr]
                            "parameters": {"retry_after": fault.retry_after},  # type: ignore[union-attr]
                        },
                    )
                try:
                    call.result = api._answer(method, params)
                except KeyError as error:
                    return self._json(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"})
                with api._lock:
                    api.calls.append(call)
                self._json(200, {"ok": True, "result": call.result})

            def _params(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                if "json" in (self.headers.get("Content-Type") or ""):
                    return json.loads(body or "{}")
                params: dict[str, Any] = {}
                for key, value in parse_qsl(body, keep_blank_values=True):
                    params[key] = json.loads(value) if value[:1] in "{[" else value
                return params

            def _json(self, status: int, body: Any) -> None:
                # Escaped: an update may carry what UTF-8 cannot (a lone surrogate, as "\ud800" in JSON).
                self._send(status, json.dumps(body).encode("ascii"), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    self.close_connection = True

        return Handler

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "sendDocument"):
            chat_id = int(params["chat_id"])
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            }
            if method == "sendMessage":
                message["text"] = html.unescape(params["text"])
            else:
                message["document"] = {"file_id": params["document"], "file_unique_id": "u" + params["document"]}
            return message
        if method == "editMessageReplyMarkup":
            return {
                "message_id": int(params["message_id"]),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": "…",
            }
        if method == "getFile":
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            return True
        if method in ("answerCallbackQuery", "setMyCommands", "sendChatAction"):
            return True
        raise KeyError(f"method {method} is not faked")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._lock:
            if offset:
                self._confirmed = max(self._confirmed, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return [dict(u) for u in self._updates[:limit]]

    def pending_updates(self) -> int:
        """Updates not confirmed yet (what Telegram would send again)."""
        with self._lock:
            return len(self._updates)


class Switch:
    """A TCP forwarder from a port of its own to `target_port`, which can be switched off and on."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self.on()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def off(self) -> None:
        """Refuse new connections and cut the open ones, as a stopped server does."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close alone would not
            except OSError:
                pass
            listener.close()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@dataclass
class WorkerProcess:
    """`python -m bot.channels.telegram` with the given environment, its output in a log file."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    #: The worker's module (the WeChat tests run theirs through this class too).
    module = "bot.channels.telegram"

    def start(self) -> "WorkerProcess":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        output = open(self.log, "ab")  # noqa: SIM115 - the child writes to it for its whole life
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything, as in a power cut."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def worker_environment(
    *, token: str, api: FakeBotApi, rasa_url: str, rasa_token: str, database_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    """The worker's environment for a test: quick polls, quick retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "IPDESK_TELEGRAM_"))}
    env.update(
        {
            "IPDESK_TELEGRAM_BOT_TOKEN": token,
            "IPDESK_TELEGRAM_BASE_URL": api.base_url,
            "IPDESK_RASA_URL": rasa_url,
            "IPDESK_RASA_TOKEN": rasa_token,
            "IPDESK_DATABASE_URL": database_url,
            "IPDESK_VAR_DIR": str(var_dir),
            "IPDESK_TELEGRAM_POLL_TIMEOUT": "1",
            "IPDESK_TELEGRAM_RETRY_BASE": "0.3",
            "IPDESK_TELEGRAM_RETRY_MAX": "1",
            "IPDESK_TELEGRAM_DESK_INTERVAL": "0.5",
            "IPDESK_DESK_OUTBOX_BACKOFF_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"IPDESK_{name}": value for name, value in extra.items()})  # TELEGRAM_MODE=… as its IPDESK_ name
    return env
