"""Whole conversations on Telegram: the worker (`python -m bot.channels.telegram`, as `make run` starts it) between a fake
Bot API served over HTTP on 127.0.0.1 and the real Rasa server, action server and desk of the `stack` fixture.

The worker reaches Rasa through a `Switch`, so a test can take Rasa down and bring it back.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import select, update

from bot.desk.schema import Attachment, Expert, OutboxMessage, Ticket, TicketEvent
from bot.channels.telegram.experts import accept_data, ticket_in
from bot.channels.telegram.rendering import utf16_length
from tests.helpers.telegram_fake import Call, FakeBotApi, Switch, WorkerProcess, worker_environment

TOKEN = "424242:fake-token-for-the-tests"
COMPLAINT = b"%PDF-1.4\n% complaint served on the defendant\n" + bytes(range(256)) * 40


class Telegram:
    """The fake Telegram, the switch in front of Rasa, and the worker, with waits that show the worker's log."""

    def __init__(self, api: FakeBotApi, rasa: Switch, worker: WorkerProcess, stack: Any) -> None:
        self.api, self.rasa, self.worker, self.stack = api, rasa, worker, stack

    def wait_for_message(
        self, chat_id: int, predicate: Callable[[Call], bool] = lambda c: True, *, after: int = 0, timeout: float = 60.0
    ) -> Call:
        try:
            return self.api.wait_for_message(chat_id, predicate, after=after, timeout=timeout)
        except AssertionError as error:
            sent = "\n".join(f"  {c.text[:120]!r} {c.buttons}" for c in self.api.sent(chat_id))
            raise AssertionError(
                f"{error}\nsent to {chat_id}:\n{sent}\nworker log:\n{self.worker.output()[-4000:]}"
            ) from None

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
        try:
            return self.api.wait_for(predicate, timeout, what)
        except AssertionError as error:
            raise AssertionError(f"{error}\nworker log:\n{self.worker.output()[-4000:]}") from None

    def restart(self) -> None:
        self.worker.kill()
        self.worker.start()

    def tracker(self, chat_id: int) -> dict[str, Any]:
        url = f"{self.stack.rasa_url}/conversations/tg:{chat_id}/tracker?token={self.stack.rasa_token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def telegram(stack, tmp_path_factory):
    api = FakeBotApi(TOKEN)
    rasa = Switch(stack.rasa_port)
    var_dir = tmp_path_factory.mktemp("telegram")
    env = worker_environment(
        token=TOKEN,
        api=api,
        rasa_url=rasa.url,
        rasa_token=stack.rasa_token,
        database_url=stack.environment()["IPDESK_DATABASE_URL"],
        var_dir=var_dir,
    )
    worker = WorkerProcess(env, var_dir / "worker.log").start()
    yield Telegram(api, rasa, worker, stack)
    code = worker.stop()
    rasa.off()
    api.close()
    assert code == 0, f"the worker did not stop cleanly (exit code {code}):\n{worker.output()[-4000:]}"


@pytest.fixture(scope="module")
def desk(stack):
    """The desk the services use, opened from the test as the console would."""
    from bot.clock import SystemClock
    from bot.settings import DeskSettings
    from bot.desk.db import make_engine, sessions
    from bot.desk.tickets import Desk

    settings = DeskSettings(database_url=stack.environment()["IPDESK_DATABASE_URL"])
    engine = make_engine(settings.database_url)
    yield Desk(sessions(engine), SystemClock(), settings)
    engine.dispose()


@pytest.fixture()
def telegram_expert(desk):
    """An expert linked to a Telegram chat who fits US patent disputes best (a large cap keeps the load low);
    out of the pool again after the test."""
    chat_id = 900_000 + uuid.uuid4().int % 99_999
    now = datetime.now(timezone.utc)
    with desk.sessions.begin() as session:
        expert = Expert(
            name="测试专家·电报",
            ip_types=["专利"],
            countries=["美国"],
            industries=["机械装备", "电子电器"],
            languages=["zh", "en"],
            telegram_chat_id=str(chat_id),
            available=True,
            max_open_cases=50,
            show_name=True,
            created_at=now,
            updated_at=now,
        )
        session.add(expert)
        session.flush()
        expert_id = expert.id
    yield expert_id, chat_id
    with desk.sessions.begin() as session:
        session.execute(update(Expert).where(Expert.id == expert_id).values(available=False))


def delivered(desk, recipient: str, kind: str) -> bool:
    """Whether the desk's outbox holds a message of `kind` for `recipient`, delivered in full."""
    with desk.sessions() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.recipient == recipient, OutboxMessage.kind == kind)
        ).all()
    return bool(statuses) and all(status == "sent" for status in statuses)


def titles(call: Call) -> list[str]:
    return [button["text"] for button in call.buttons]


def test_a_question_is_answered_with_buttons_and_a_press_is_acknowledged_and_answered(telegram) -> None:
    api, chat = telegram.api, 5001
    api.user_says(chat, "有哪些海外知识产权保险")
    answer = telegram.wait_for_message(chat, lambda c: bool(c.buttons))
    assert "保险" in answer.text and "第（七）条" in answer.text
    assert answer.params["parse_mode"] == "HTML"
    assert "找专家咨询" in titles(answer)
    assert all(len(b["callback_data"].encode()) <= 64 for b in answer.buttons)
    # the conversation is recorded as Telegram's, under the chat's sender id
    assert telegram.tracker(chat)["latest_input_channel"] == "telegram"

    seen = len(api.sent(chat))
    more = next(b for b in answer.buttons if b["text"] == "查看详情")
    query = api.user_presses(chat, answer, more["callback_data"])
    telegram.wait_for(
        lambda: any(c.params.get("callback_query_id") == query for c in api.calls_of("answerCallbackQuery")),
        "the press to be acknowledged",
    )
    detail = telegram.wait_for_message(chat, after=seen)
    assert "第（七）条" in detail.text and detail.text != answer.text


def test_commands_the_language_choice_and_messages_that_are_not_text(telegram) -> None:
    api, chat = telegram.api, 5002
    api.user_says(chat, "/start")
    start = telegram.wait_for_message(chat)
    assert "海外知识产权纠纷应对咨询助手" in start.text and "隐私说明" in start.text and "/expert" in start.text

    seen = len(api.sent(chat))
    api.user_says(chat, "/lang")
    choice = telegram.wait_for_message(chat, after=seen)
    assert titles(choice) == ["中文", "English"]
    seen = len(api.sent(chat))
    query = api.user_presses(chat, choice, next(b["callback_data"] for b in choice.buttons if b["text"] == "English"))
    assert "Language set to English" in telegram.wait_for_message(chat, after=seen).text
    assert any(c.params.get("callback_query_id") == query for c in api.calls_of("answerCallbackQuery"))
    assert any(
        c.chat_id == chat and int(c.params["message_id"]) == choice.result["message_id"]
        for c in api.calls_of("editMessageReplyMarkup")
    ), "the language buttons were not taken away"

    # commands answered by Rasa now speak English (the conversation's language slot was set)
    seen = len(api.sent(chat))
    api.user_says(chat, "/help")
    assert "Try asking" in telegram.wait_for_message(chat, after=seen).text
    seen = len(api.sent(chat))
    api.user_says(chat, "/cancel")
    assert "nothing under way to cancel" in telegram.wait_for_message(chat, after=seen).text
    assert telegram.tracker(chat)["slots"]["language"] == "en"

    seen = len(api.sent(chat))
    api.user_says(chat, "/frobnicate")
    assert "no such command" in telegram.wait_for_message(chat, after=seen).text
    seen = len(api.sent(chat))
    api.user_sends_photo(chat)
    assert "only read text" in telegram.wait_for_message(chat, after=seen).text


def test_an_escalation_with_a_document_reaches_the_expert_who_accepts_and_answers_by_replying(
    telegram, desk, telegram_expert
) -> None:
    api, chat = telegram.api, 5003
    expert_id, expert_chat = telegram_expert
    api.user_says(chat, "我们在美国被起诉专利侵权了，法院文件昨天刚送达，怎么办")
    telegram.wait_for_message(chat, lambda c: "公司的名称" in c.text)

    seen = len(api.sent(chat))
    api.user_sends_document(chat, "起诉状 complaint.pdf", COMPLAINT)
    assert "提交工单后会附在工单上" in telegram.wait_for_message(chat, after=seen).text
    api.user_says(chat, "太原示例机械有限公司")
    telegram.wait_for_message(chat, lambda c: "联系人" in c.text, after=seen)
    api.user_says(chat, "王经理 138 0000 0001")
    telegram.wait_for_message(chat, lambda c: "期限" in c.text, after=seen)
    api.user_says(chat, "20天内要答辩")
    opened = telegram.wait_for_message(chat, lambda c: "已为您提交专家咨询工单" in c.text, after=seen)
    number = ticket_in(opened.text)
    assert number is not None

    with desk.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert (ticket.channel, ticket.sender_id, ticket.expert_id) == ("telegram", f"tg:{chat}", expert_id)

    def attached() -> Attachment | None:
        with desk.sessions() as session:
            return session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id))

    attachment = telegram.wait_for(attached, "the document to be attached to the ticket")
    assert Path(attachment.path).read_bytes() == COMPLAINT
    assert (attachment.file_name, attachment.mime_type, attachment.size) == (
        "起诉状 complaint.pdf",
        "application/pdf",
        len(COMPLAINT),
    )
    with desk.sessions() as session:
        assert session.scalar(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "attachment_added")
        )

    # the expert's notice: the case, its summary, and the buttons to accept or decline
    notice = telegram.wait_for_message(expert_chat, lambda c: number in c.text)
    assert "太原示例机械有限公司" in notice.text and "被起诉专利侵权" in notice.text
    assert [b["callback_data"] for b in notice.buttons] == [accept_data(number), f"desk:decline:{number}"]
    query = api.user_presses(expert_chat, notice, accept_data(number))
    accepted = telegram.wait_for_message(expert_chat, lambda c: "您已受理工单" in c.text)
    assert any(c.params.get("callback_query_id") == query for c in api.calls_of("answerCallbackQuery"))
    assert any(
        int(c.params["message_id"]) == notice.result["message_id"] for c in api.calls_of("editMessageReplyMarkup")
    )
    telegram.wait_for(
        lambda: any(
            c.params.get("document") == attachment.telegram_file_id for c in api.sent(expert_chat, "sendDocument")
        ),
        "the complaint to reach the expert",
    )
    with desk.sessions() as session:
        assert session.get(Ticket, ticket.id).status == "accepted"

    telegram.wait_for_message(chat, lambda c: "已有专家受理" in c.text)  # the enterprise is told

    # the expert answers by replying to the case's message; the answer reaches the enterprise through the outbox
    seen = len(api.sent(chat))
    api.user_says(expert_chat, "请立即委托美国律师核对送达日期，21天内提交答辩或动议。", reply_to=accepted)
    telegram.wait_for_message(expert_chat, lambda c: "答复已提交" in c.text)
    answer = telegram.wait_for_message(chat, lambda c: "21天内提交答辩" in c.text, after=seen)
    assert number in answer.text
    after_answer = next(i for i, c in enumerate(api.sent(chat)) if c is answer) + 1
    rating = telegram.wait_for_message(chat, lambda c: titles(c) == ["1", "2", "3", "4", "5"], after=after_answer)
    api.user_presses(chat, rating, rating.buttons[4]["callback_data"])
    telegram.wait_for_message(chat, lambda c: "感谢您的评分（5分）" in c.text, after=seen)
    with desk.sessions() as session:
        assert (session.get(Ticket, ticket.id).status, session.get(Ticket, ticket.id).rating) == ("answered", 5)
    assert sum("21天内提交答辩" in c.text for c in api.sent(chat)) == 1


def test_an_expert_who_declines_passes_the_case_on(telegram, desk, telegram_expert) -> None:
    api = telegram.api
    expert_id, expert_chat = telegram_expert
    ticket = desk.open_ticket(
        channel="telegram",
        sender_id="tg:5008",
        company="婉拒测试有限公司",
        contact="13800000008",
        description="美国专利侵权警告函",
        country="美国",
        ip_type="专利",
    )
    assert ticket.expert_id == expert_id
    notice = telegram.wait_for_message(expert_chat, lambda c: ticket.number in c.text and bool(c.buttons))
    api.user_presses(expert_chat, notice, f"desk:decline:{ticket.number}")
    telegram.wait_for_message(expert_chat, lambda c: "您已婉拒工单" in c.text)
    with desk.sessions() as session:
        declined = session.scalar(select(Ticket).where(Ticket.number == ticket.number))
        assert declined.expert_id != expert_id
        assert (
            session.scalar(
                select(TicketEvent).where(TicketEvent.ticket_id == declined.id, TicketEvent.action == "declined")
            ).actor
            == f"expert:{expert_id}"
        )
    # pressing accept on the passed-on case now is refused with the reason, and its buttons go away
    seen = len(api.sent(expert_chat))
    api.user_presses(expert_chat, notice, accept_data(ticket.number))
    assert "无法处理工单" in telegram.wait_for_message(expert_chat, after=seen).text


def test_a_10000_character_answer_arrives_in_pieces_under_the_limit_with_its_link_whole(
    telegram, desk, telegram_expert
) -> None:
    api, chat = telegram.api, 5004
    expert_id, _ = telegram_expert
    link = "https://www.usitc.gov/intellectual_property/337_statistics_number_section_337_investigations.htm"
    paragraph = "答辩要点：核对送达日期，评估不侵权和无效抗辩，准备技术比对材料。" * 8 + f"详见{link} 。\n\n"
    long_answer = (paragraph * 40)[:10_000]
    ticket = desk.open_ticket(
        channel="telegram",
        sender_id=f"tg:{chat}",
        company="长答复测试有限公司",
        contact="13800000004",
        description="美国337调查，需要详细的应诉意见",
        country="美国",
        ip_type="专利",
    )
    assert ticket.expert_id == expert_id
    desk.accept(ticket.number, expert_id)
    telegram.wait_for(lambda: delivered(desk, f"tg:{chat}", "case_accepted"), "the acceptance to be delivered")
    seen = len(api.sent(chat))
    desk.answer(ticket.number, expert_id, long_answer)

    telegram.wait_for_message(chat, lambda c: "请打分" in c.text, after=seen, timeout=90)
    pieces = [c for c in api.sent(chat)[seen:] if "请打分" not in c.text]
    assert len(pieces) >= 3
    assert all(utf16_length(c.text) <= 4096 for c in pieces)
    joined = "".join(c.text for c in pieces)
    assert long_answer.replace("\n", "").replace(" ", "") in joined.replace("\n", "").replace(" ", "")
    assert joined.count(link) == long_answer.count(link)  # no link cut in two

    # a message of 10 000 characters from the user is handled like any other
    seen = len(api.sent(chat))
    api.user_says(chat, ("我们的产品在美国亚马逊被投诉侵权，店铺被冻结，" * 500)[:10_000])
    reply = telegram.wait_for_message(chat, after=seen, timeout=90)
    assert reply.text and utf16_length(reply.text) <= 4096


def test_while_rasa_is_down_the_user_is_told_once_and_answered_when_it_is_back(telegram) -> None:
    api, chat = telegram.api, 5005
    telegram.rasa.off()
    try:
        api.user_says(chat, "337调查一般要多久")
        received = telegram.wait_for_message(chat)
        assert "已收到您的问题，我们会尽快答复" in received.text
        time.sleep(3)  # several retries while Rasa stays down
        assert len(api.sent(chat)) == 1, "the user was told more than once"
    finally:
        telegram.rasa.on()
    answer = telegram.wait_for_message(chat, lambda c: "337" in c.text and bool(c.buttons), after=1)
    assert "已收到" not in answer.text
    assert sum("已收到您的问题" in c.text for c in api.sent(chat)) == 1


def test_a_flood_limit_is_waited_out_and_the_message_sent_once(telegram) -> None:
    api, chat = telegram.api, 5006
    api.fail_next("sendMessage", chat_id=chat, retry_after=2)
    api.user_says(chat, "你好")
    greeting = telegram.wait_for_message(chat)
    refused = [c for c in api.calls_of("sendMessage") if c.chat_id == chat and c.status == 429]
    assert len(refused) == 1
    assert greeting.at - refused[0].at >= 2.0
    assert len(api.sent(chat)) == 1


def test_a_restart_in_the_middle_loses_no_update_and_answers_none_twice(telegram) -> None:
    api, chat = telegram.api, 5007
    api.hang("sendMessage", chat_id=chat)
    first = api.user_says(chat, "有哪些海外知识产权保险")
    second = api.user_says(chat, "337调查一般要多久")
    telegram.wait_for(
        lambda: any(c.chat_id == chat and c.status == 0 for c in api.calls_of("sendMessage")),
        "the worker to be stuck sending the first answer",
    )
    telegram.worker.kill()  # as in a power cut: nothing is finished or confirmed
    third = api.user_says(chat, "谢谢")  # arrives while the worker is down
    api.release()
    telegram.worker.start()

    telegram.wait_for_message(chat, lambda c: "不客气" in c.text, timeout=90)
    answers = [c.text for c in api.sent(chat)]
    assert len(answers) == 3, answers  # one answer per message, none twice
    assert "保险" in answers[0] and "337" in answers[1] and "不客气" in answers[2]
    user_turns = [e for e in telegram.tracker(chat)["events"] if e["event"] == "user"]
    assert [e["metadata"]["telegram"]["update_id"] for e in user_turns] == [first, second, third]


# Warnings on Telegram: /subscribe and /unsubscribe, a published warning pushed to the chat through the outbox, and a
# chat that blocked the bot (the Bot API's 403) marked and given up at once instead of retried.


@pytest.fixture()
def warnings(desk):
    from bot.desk.risk_warnings import Warnings

    return Warnings(desk.sessions, desk.clock, desk.settings, vocabulary=desk.vocabulary)


def publish(warnings, title: str, **values) -> int:
    draft = warnings.parse(
        {"title": title, "text": f"{title}：测试正文。", "source": "省商务厅 预警快报（测试）", **values}
    )
    return warnings.publish(draft, "staff:e2e").warning.id


def test_subscribe_by_command_and_a_published_warning_arrives_once(telegram, desk, warnings) -> None:
    from bot.desk.risk_warnings import Criteria

    api, chat = telegram.api, 5101
    api.user_says(chat, "/subscribe 美国 机械 专利")
    confirmed = telegram.wait_for_message(chat, lambda c: "已订阅" in c.text)
    assert "美国 / 机械装备 / 专利" in confirmed.text
    assert warnings.subscriptions("telegram", f"tg:{chat}") == [Criteria(("美国",), ("机械装备",), ("专利",))]

    seen = len(api.sent(chat))
    number = publish(
        warnings, "美国对机床发起337调查（测试）", countries="美国", industries="机械", ip_types="发明专利"
    )
    pushed = telegram.wait_for_message(chat, lambda c: "美国对机床发起337调查" in c.text, after=seen)
    assert f"warning:{number}" in pushed.text and "来源：省商务厅 预警快报（测试）" in pushed.text
    time.sleep(3)  # several outbox rounds: it is not sent again
    assert sum("美国对机床发起337调查" in c.text for c in api.sent(chat)) == 1
    with desk.sessions() as session:  # other tests' subscribers share the stack's database: look at this chat's push
        status = session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.idempotency_key.in_(desk_keys(desk, number, chat)))
        )
    assert status == "sent" and warnings.delivery_counts([number])[number].sent >= 1

    seen = len(api.sent(chat))
    api.user_says(chat, "/unsubscribe")
    assert "已退订" in telegram.wait_for_message(chat, after=seen).text
    assert warnings.subscriptions("telegram", f"tg:{chat}") == []


def test_a_chat_that_blocked_the_bot_is_marked_and_not_tried_again(telegram, desk, warnings) -> None:
    api, chat = telegram.api, 5102
    api.user_says(chat, "订阅德国预警")
    telegram.wait_for_message(chat, lambda c: "已订阅" in c.text)
    api.block(chat)
    number = publish(warnings, "德国展会禁令提示（测试）", countries="德国")
    key = telegram.wait_for(lambda: next(iter(desk_keys(desk, number, chat)), None), "the push to be queued")

    def given_up() -> OutboxMessage | None:
        with desk.sessions() as session:
            message = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        return message if message.status == "dead" else None

    dead = telegram.wait_for(given_up, "the push to be given up")
    assert dead.attempts == 1 and "blocked" in dead.last_error
    refused = [c for c in api.calls_of("sendMessage") if c.chat_id == chat and c.status == 403]
    time.sleep(4)  # several outbox rounds later: not tried again
    assert len([c for c in api.calls_of("sendMessage") if c.chat_id == chat and c.status == 403]) == len(refused) == 1
    assert warnings.delivery_counts([number])[number].blocked >= 1
    later = publish(warnings, "德国海关扣货提示（测试）", countries="德国")
    assert desk_keys(desk, later, chat) == []  # a blocked subscriber is left out of later pushes

    # the user unblocks the bot and writes to it: answered, the chat takes warnings again
    api.unblock(chat)
    seen = len(api.sent(chat))
    api.user_says(chat, "你好")
    telegram.wait_for_message(chat, after=seen)
    telegram.wait_for(lambda: block_lifted(desk, chat), "the block to be lifted")
    again = publish(warnings, "德国专利诉讼提示（测试）", countries="德国")
    pushed = telegram.wait_for_message(chat, lambda c: "德国专利诉讼提示" in c.text, after=seen)
    assert f"warning:{again}" in pushed.text


def block_lifted(desk, chat: int) -> bool:
    from bot.desk.schema import WarningSubscriber

    with desk.sessions() as session:
        return bool(
            session.scalar(
                select(WarningSubscriber.blocked_at.is_(None)).where(
                    WarningSubscriber.channel == "telegram", WarningSubscriber.sender_id == f"tg:{chat}"
                )
            )
        )


def desk_keys(desk, warning_id: int, chat: int) -> list[str]:
    with desk.sessions() as session:
        return session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.recipient == f"tg:{chat}",
                OutboxMessage.kind == "warning",
                OutboxMessage.idempotency_key.like(f"warning:{warning_id}:%"),
            )
        ).all()
