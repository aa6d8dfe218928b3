"""Delivering the desk's outbox to WeChat: experts' answers, ticket updates, warnings and fair notices to followers,
and what following and unfollowing change at the desk.

The desk's `OutboxWorker` claims the messages of channel "wechat" and calls `WeChatSender.send` in a thread. Each
recipient is a conversation "wx:<openid>": the message goes into it through Rasa (`EXTERNAL_desk_message`,
`EXTERNAL_warning`, …, bot/runtime/relay.py), so the conversation stays the record and a redelivery is dropped
there, and Rasa's replies of that turn are sent through the customer-service API. What a message sends is stored
in the inbox under its outbox key before the first part goes out, so a retry completes a half-finished send.

WeChat lets an account write to a follower only within 48 hours of the follower's last message (errcode 45015
after that). An expert's answer often takes longer, so then the message goes as a template message
(IPDESK_WECHAT_TEMPLATE_DESK for ticket messages, IPDESK_WECHAT_TEMPLATE_WARNING for warnings): a short notice
that points the follower back to the account, where the full text is in the conversation. Without a template id
the message is retried and, given up, reported to staff like any undelivered message. A follower who unfollowed
(43004) is `RecipientBlocked`: given up at once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.identity import WECHAT_PREFIX
from bot.channels.wechat import texts
from bot.channels.wechat.api import NOT_FOLLOWING, WINDOW_CLOSED, WeChatApi, WeChatApiError
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.rendering import from_rasa
from bot.clock import Clock
from bot.contracts import ConversationChannel
from bot.desk.schema import OutboxMessage
from bot.desk.outbox import RecipientBlocked
from bot.desk.risk_warnings import mark_blocked
from bot.runtime.relay import trigger_desk_message
from knowledge import Language

log = logging.getLogger(__name__)

CHANNEL: ConversationChannel = "wechat"
#: Template fields are short; the follower reads the whole text in the conversation.
TEMPLATE_TEXT = 120


class WeChatSender:
    """The outbox `Sender` of channel "wechat"; `send` runs in the outbox worker's thread."""

    def __init__(
        self,
        api: WeChatApi,
        inbox: Inbox,
        clock: Clock,
        *,
        rasa_url: str,
        rasa_token: str,
        template_desk: str | None,
        template_warning: str | None,
        source_url: str | None,
    ) -> None:
        self.api = api
        self.inbox = inbox
        self.clock = clock
        self.rasa_url = rasa_url
        self.rasa_token = rasa_token
        self.templates = {"desk": template_desk, "warning": template_warning}
        self.source_url = source_url

    def send(self, message: OutboxMessage) -> None:
        openid = openid_of(message)
        key = message.idempotency_key
        delivery = self.inbox.delivery(key)
        if delivery is None:
            answer = trigger_desk_message(self.rasa_url, self.rasa_token, message)
            language: Language = "en" if (message.payload or {}).get("language") == "en" else "zh"
            messages = from_rasa(
                answer.get("messages") or [],
                lambda options: self.inbox.add_menu(openid, options, self.clock.now()),
                language,
                self.source_url,
            )
            delivery = self.inbox.add_delivery(key, openid, messages, self.clock.now())
        try:
            for index in range(delivery.sent, len(delivery.messages)):
                self.api.send(openid, delivery.messages[index])
                self.inbox.mark_sent(key, index + 1)
        except WeChatApiError as error:
            if error.errcode == NOT_FOLLOWING:
                raise RecipientBlocked(f"WeChat follower {openid}: {error.errmsg}") from error
            if error.errcode != WINDOW_CLOSED:
                raise
            self._by_template(message, openid)
            self.inbox.mark_sent(key, len(delivery.messages))
            return
        log.info("outbox: %s (%s) delivered to %s in %d message(s)", key, message.kind, openid, len(delivery.messages))

    def _by_template(self, message: OutboxMessage, openid: str) -> None:
        """Outside the 48-hour window: the template message of the message's kind."""
        payload: dict[str, Any] = message.payload or {}
        language: Language = "en" if payload.get("language") == "en" else "zh"
        if message.kind == "warning":
            template = self.templates["warning"]
            data = {
                "first": texts.TEMPLATE_WARNING_FIRST.get(language),
                "keyword1": str(payload.get("title") or "")[:TEMPLATE_TEXT],
                "keyword2": self.clock.now().date().isoformat(),
            }
        else:
            template = self.templates["desk"]
            data = {
                "first": texts.TEMPLATE_DESK_FIRST.get(language),
                "keyword1": str(payload.get("ticket") or payload.get("fair") or ""),
                "keyword2": str(payload.get("text") or "")[:TEMPLATE_TEXT],
            }
        if not template:
            raise RuntimeError(
                f"{message.idempotency_key}: {openid} is outside WeChat's 48-hour window and no template is set "
                f"for {message.kind} (IPDESK_WECHAT_TEMPLATE_{'WARNING' if message.kind == 'warning' else 'DESK'})"
            )
        data["remark"] = texts.TEMPLATE_REMARK.get(language)
        self.api.send_template(openid, template, data)
        log.info(
            "outbox: %s (%s) sent to %s as a template message (48-hour window closed)",
            message.idempotency_key,
            message.kind,
            openid,
        )


def openid_of(message: OutboxMessage) -> str:
    if not message.recipient.startswith(WECHAT_PREFIX) or len(message.recipient) == len(WECHAT_PREFIX):
        raise ValueError(
            f"outbox message {message.idempotency_key} is for {message.recipient!r}, which is not a WeChat "
            f"conversation (wx:<openid>)"
        )
    return message.recipient[len(WECHAT_PREFIX) :]


def follow_hooks(
    sessions: sessionmaker, warnings_open: Callable[[str, str], object], now: Callable[[], datetime]
) -> tuple[Callable[[str], None], Callable[[str], None]]:
    """(on_follow, on_unfollow) for the handler: following lifts a block on the follower's warnings; unfollowing
    blocks them and gives up the warnings waiting for them, as a Telegram user blocking the bot does."""

    def on_follow(sender: str) -> None:
        warnings_open(CHANNEL, sender)

    def on_unfollow(sender: str) -> None:
        # The desk's own hook for a blocked recipient, told of the unfollow as of an undeliverable message.
        unfollowed = OutboxMessage(
            channel=CHANNEL, recipient=sender, idempotency_key=f"wechat-unfollow:{sender}", last_error="unfollowed"
        )
        session: Session
        with sessions.begin() as session:
            mark_blocked(session, unfollowed, now())
        log.info("%s unfollowed the account: warnings to it stop", sender)

    return on_follow, on_unfollow
