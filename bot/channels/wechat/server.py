"""The account's server URL (服务器地址): WeChat's requests checked, stored and answered within its five seconds.

Every request must carry WeChat's signature — SHA-1 of the server Token, `timestamp` and `nonce` — or it is refused
with 403 before anything else is read: only WeChat (or whoever holds the Token) can write into a follower's
conversation. A GET with `echostr` is the URL verification WeChat does when the address is saved: the signed
`echostr` goes back as it came.

A POST is a follower's message as XML, in plaintext or, in safe mode (`encrypt_type=aes`), encrypted with the
EncodingAESKey and signed again (`msg_signature`); the answer is then encrypted too. wechatpy decrypts and
encrypts; its XML parsing raises `ValueError`, `ExpatError` or `KeyError` (or worse) on broken or hostile input,
and each is a 400 with the reason logged — never a 500, which WeChat would retry. The message is stored in the
inbox before the answer (a storage failure is a 503, and WeChat sends it again); a retry of a stored MsgId is
never handled twice: it gets the passive reply the first request got, or "success".
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

from bot.channels.wechat.config import WeChatSettings
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.processing import WeChatChannel
from bot.channels.wechat.rendering import cdata
from bot.clock import Clock

log = logging.getLogger(__name__)

#: WeChat's messages are small; anything bigger is not one.
MAX_BODY = 64 * 1024
SUCCESS = "success"
#: What the XML may not be: bigger than a message, or nested like an attack on the parser.
REQUIRED = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


class BadMessage(ValueError):
    """The request's body is not a WeChat message."""


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature of a request: SHA-1 of the token, timestamp and nonce, sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()  # noqa: S324 — WeChat chose it


def read_message(xml: str | bytes) -> dict[str, Any]:
    """The message's fields as strings; `BadMessage` when it is not a WeChat message."""
    try:
        parsed = xmltodict.parse(xml, disable_entities=True)
        message = parsed["xml"]
    except (ExpatError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise BadMessage(f"unreadable XML ({type(error).__name__}: {str(error)[:120]})") from None
    if not isinstance(message, dict):
        raise BadMessage("the <xml> element holds no fields")
    fields: dict[str, Any] = {}
    for name, value in message.items():
        if value is not None and not isinstance(value, str):
            if name in REQUIRED or name in ("Content", "MsgId", "Event", "EventKey", "Recognition"):
                raise BadMessage(f"<{name}> must hold text")
            continue  # nested fields of messages the worker does not read (ScanCodeInfo …)
        fields[name] = value or ""
    missing = [name for name in REQUIRED if not fields.get(name)]
    if missing:
        raise BadMessage(f"missing {', '.join(missing)}")
    return fields


def message_key(message: dict[str, Any]) -> str:
    """What identifies a message across WeChat's retries: its MsgId, or for an event its sender, time and kind."""
    if message.get("MsgId"):
        return f"msg:{message['MsgId']}"
    parts = (message["FromUserName"], message["CreateTime"], message.get("Event", ""), message.get("EventKey", ""))
    return "event:" + hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:40]


class Server:
    """`wake` is set when a message was stored, so that the processor takes it at once; `channel` hands over its
    passive reply."""

    def __init__(
        self, settings: WeChatSettings, inbox: Inbox, channel: WeChatChannel, wake: asyncio.Event, clock: Clock
    ) -> None:
        self.settings = settings
        self.inbox = inbox
        self.channel = channel
        self.wake = wake
        self.clock = clock
        self.crypto = (
            WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key is not None else None
        )

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get(self.settings.path, self.verify)
        app.router.add_post(self.settings.path, self.receive)
        return app

    def _signed(self, request: web.Request) -> bool:
        query = request.query
        expected = signature(self.settings.token, query.get("timestamp", ""), query.get("nonce", ""))
        if hmac.compare_digest(query.get("signature", "").encode(), expected.encode()):
            return True
        log.warning("request from %s refused: no valid signature", request.remote)
        return False

    async def verify(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403, text="invalid signature")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        if not self._signed(request):
            return web.Response(status=403, text="invalid signature")
        query = request.query
        encrypted = query.get("encrypt_type", "raw").lower() == "aes"
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large for a WeChat message")
        try:
            if encrypted:
                if self.crypto is None:
                    raise BadMessage("an encrypted message, but IPDESK_WECHAT_AES_KEY is not set")
                envelope = read_envelope(body)
                xml = self.crypto.decrypt_message(
                    envelope, query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")
                )
                message = read_message(xml)
            else:
                message = read_message(body)
        except InvalidSignatureException:
            log.warning("encrypted message from %s refused: its msg_signature does not match", request.remote)
            return web.Response(status=403, text="invalid msg_signature")
        except BadMessage as error:
            log.warning("request from %s refused: %s", request.remote, error)
            return web.Response(status=400, text=str(error))
        except (InvalidAppIdException, ValueError, KeyError, TypeError, UnicodeError) as error:
            log.warning("encrypted message from %s refused: cannot decrypt (%s)", request.remote, type(error).__name__)
            return web.Response(status=400, text="cannot decrypt the message")
        key, openid = message_key(message), message["FromUserName"]
        try:
            new = self.inbox.store([(key, openid, message)], self.clock.now()) == 1
            state = None if new else self.inbox.state(key)
        except Exception:
            log.exception("could not store message %s of %s; answering 503 so that WeChat sends it again", key, openid)
            return web.Response(status=503, text="not stored")
        if state is not None and (state[0] != "pending" or state[1] is not None):
            # WeChat retries only when it got no answer in time: this one gets the reply the first one was given.
            log.info("message %s of %s is a retry of one answered before", key, openid)
            return self._reply(request, message, state[1], encrypted)
        self.wake.set()
        reply = await self.channel.passive(key, self.settings.passive_seconds)
        return self._reply(request, message, reply, encrypted)

    def _reply(
        self, request: web.Request, message: dict[str, Any], reply: dict[str, Any] | None, encrypted: bool
    ) -> web.Response:
        if reply is None:
            return web.Response(text=SUCCESS)
        xml = TextReply(
            source=cdata(message["ToUserName"]), target=cdata(message["FromUserName"]), content=cdata(reply["text"])
        ).render()
        if encrypted and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, request.query.get("nonce", ""), request.query.get("timestamp"))
        return web.Response(text=xml, content_type="application/xml")


def read_envelope(body: bytes) -> dict[str, Any]:
    """The safe mode's envelope: <xml><ToUserName/><Encrypt/></xml>."""
    try:
        envelope = xmltodict.parse(body, disable_entities=True)["xml"]
    except (ExpatError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise BadMessage(f"unreadable XML ({type(error).__name__})") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("Encrypt"), str):
        raise BadMessage("no <Encrypt> in the encrypted message")
    return envelope
