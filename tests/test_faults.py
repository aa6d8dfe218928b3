"""Whole under faults: the stack (on PostgreSQL and Redis of its own) keeps every turn and every desk message when the
action server dies under load, PostgreSQL restarts, Redis goes away or the desk worker is killed mid-delivery."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.request
from typing import Any

import pytest
from sqlalchemy import select, text

from bench.load import CONVERSATION, run_load
from tests.helpers.stack import free_port, start_or_fail
from tests.helpers.rest import answered_turns, customs, message, post, say, tracker_events

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faulty(trained_model, tmp_path_factory, scratch_postgres, scratch_redis):
    """The services of `make run` on the scratch PostgreSQL and Redis, with the desk worker retrying every second and
    giving up a delivery it was killed in after 3 s."""
    from bot.processes.launcher import Settings, Stack, all_services, prepare_desk

    var_dir = tmp_path_factory.mktemp("faults")
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
        webchat_port=free_port(),
        model=trained_model,
        var_dir=var_dir,
        database_url=scratch_postgres.url,
        redis_url=scratch_redis.url,
        redis_prefix="faults",
    )
    prepare_desk(settings)
    services = all_services(settings)
    for service in services:
        assert service.env is not None
        # The load comes from one address (this test): the per-address limit is for the public, not for this.
        service.env.update(
            IPDESK_DESK_OUTBOX_BACKOFF_SECONDS="1", IPDESK_DESK_OUTBOX_LEASE_SECONDS="3", IPDESK_REST_ADDRESS_BURST="0"
        )
    stack = Stack(services, log_dir=var_dir / "logs")
    start_or_fail(stack, var_dir / "logs", 240)
    yield settings, stack
    stack.stop()


@pytest.fixture()
def desk_of(faulty):
    from bot.clock import SystemClock
    from bot.settings import DeskSettings
    from bot.desk.db import make_engine, sessions
    from bot.desk.tickets import Desk

    settings, _ = faulty
    engine = make_engine(settings.database_url)
    yield Desk(sessions(engine), SystemClock(), DeskSettings(database_url=settings.database_url))
    engine.dispose()


def kill(service) -> None:
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.5)


def outbox_statuses(desk, kind: str | None = None) -> dict[str, str]:
    """The status of each message to REST conversations (experts' and staff's notices go elsewhere)."""
    from bot.desk.schema import OutboxMessage

    with desk.sessions() as session:
        query = select(OutboxMessage.idempotency_key, OutboxMessage.status).where(OutboxMessage.channel == "rest")
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return dict(session.execute(query).all())


def test_action_server_killed_under_load_every_question_is_answered_in_order(faulty, desk_of) -> None:
    settings, stack = faulty
    actions = stack.service("action server")
    result: dict[str, Any] = {}
    load = threading.Thread(
        target=lambda: result.update(
            run=run_load(settings.rasa_url, concurrency=4, duration=40, label="actions-killed")
        )
    )
    load.start()
    time.sleep(5)
    kill(actions)
    time.sleep(5)
    stack.restart(actions, timeout=120)
    load.join()
    run = result["run"]

    assert run.errors == 0, [(e.status, e.error, e.replies) for e in run.exchanges if not e.ok][:5]
    holding = [e for e in run.exchanges if customs(e.replies) and customs(e.replies)[-1]["kind"] == "holding"]
    assert holding, "no question was held: the action server was not killed under load"
    assert all(customs(e.replies)[-1]["held"] for e in holding)
    held = outbox_statuses(desk_of, "held_question")
    assert {f"held:{customs(e.replies)[-1]['held']}" for e in holding} <= set(held)
    wait_until(
        lambda: set(outbox_statuses(desk_of, "held_question").values()) == {"sent"},
        120,
        "every held question is answered",
    )

    sent: dict[str, list[str]] = {}
    for exchange in sorted(run.exchanges, key=lambda e: e.started):
        sent.setdefault(exchange.sender, []).append(exchange.text)
    for sender, texts in sent.items():
        turns = answered_turns(tracker_events(settings, sender))
        assert [asked for asked, _ in turns] == texts, sender
        for asked, kinds in turns:
            assert kinds and "holding" not in kinds, (sender, asked, kinds)
    expected = {
        text: kind
        for text, kind in zip(CONVERSATION, ["greeting", "answer", "answer", "answer", "answer", "out_of_scope"])
    }
    held_texts = {e.text for e in holding}
    for sender in {e.sender for e in holding}:
        for asked, kinds in answered_turns(tracker_events(settings, sender)):
            if asked in held_texts:
                assert kinds[-1] == expected[asked], (sender, asked, kinds)


def open_ticket(desk, sender: str) -> tuple[str, int]:
    """A ticket of the conversation `sender`, assigned to an expert: its number and the expert's id."""
    from bot.desk.schema import Ticket

    ticket = desk.open_ticket(
        channel="rest",
        sender_id=sender,
        company="太原示例机械有限公司",
        contact="13800000002",
        description="德国展会被诉外观设计侵权",
        country="德国",
        ip_type="外观设计",
    )
    with desk.sessions() as session:
        return ticket.number, session.scalar(select(Ticket.expert_id).where(Ticket.number == ticket.number))


def bot_texts(settings, sender: str) -> list[str]:
    return [e.get("text") or "" for e in tracker_events(settings, sender) if e["event"] == "bot"]


def test_postgresql_restart_is_survived_without_restarting_anything(faulty, desk_of, scratch_postgres) -> None:
    settings, stack = faulty
    assert customs(say(settings, "pg-restart", "有哪些海外知识产权保险"))[-1]["kind"] == "answer"
    number, expert_id = open_ticket(desk_of, "pg-restart")
    pids = {service.name: service.process.pid for service in stack.services}

    scratch_postgres.restart()

    # the Rasa server's tracker store, the action server and the console's and worker's desk all reconnect
    assert customs(say(settings, "pg-restart", "337调查一般要多久"))[-1]["kind"] == "answer"
    assert customs(say(settings, "pg-new", "智南针网是什么"))[-1]["kind"] == "answer"
    desk_of.accept(number, expert_id)
    wait_until(
        lambda: any(f"工单 {number} 已有专家受理" in t for t in bot_texts(settings, "pg-restart")),
        60,
        "the desk worker delivers the acceptance after the restart",
    )
    with urllib.request.urlopen(f"{settings.console_url}/health", timeout=10) as response:
        assert response.status == 200
    assert {service.name: service.process.pid for service in stack.services} == pids
    assert stack.failed() is None


def test_postgresql_down_a_message_is_refused_not_answered_from_a_blank_conversation(faulty, scratch_postgres) -> None:
    settings, _ = faulty
    assert customs(say(settings, "pg-down", "我想找专家咨询一下"))[-1].get("ask") == "company"

    scratch_postgres.shut_down()
    try:
        status, _, answer = post(settings, message("pg-down", "太原示例机械有限公司"))
        assert status == 503 and "again" in answer["error"]
    finally:
        scratch_postgres.start()

    # sent again, the answer goes on with the form: the conversation was neither forgotten nor forked
    assert customs(say(settings, "pg-down", "太原示例机械有限公司"))[-1].get("ask") == "contact"
    turns = answered_turns(tracker_events(settings, "pg-down"))
    assert [text for text, _ in turns] == ["我想找专家咨询一下", "太原示例机械有限公司"]


def events_in_database(settings, sender: str) -> int:
    from bot.desk.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("select count(*) from events where sender_id = :s"), {"s": sender}).scalar()
    finally:
        engine.dispose()


def test_redis_down_gives_a_clear_error_and_changes_nothing(faulty, scratch_redis) -> None:
    settings, stack = faulty
    say(settings, "redis-down", "有哪些海外知识产权保险")
    stored = events_in_database(settings, "redis-down")

    scratch_redis.kill()
    try:
        status, _, answer = post(settings, message("redis-down", "337调查一般要多久"))
        assert status == 503 and "lock" in answer["error"] and "again" in answer["error"]
        assert events_in_database(settings, "redis-down") == stored
    finally:
        scratch_redis.start()

    assert customs(say(settings, "redis-down", "337调查一般要多久"))[-1]["kind"] == "answer"
    turns = answered_turns(tracker_events(settings, "redis-down"))
    assert [t for t, _ in turns] == ["有哪些海外知识产权保险", "337调查一般要多久"]
    assert stack.failed() is None


def test_outbox_worker_killed_mid_delivery_delivers_each_message_once(faulty, desk_of) -> None:
    settings, stack = faulty
    sender = "worker-killed"
    say(settings, sender, "有哪些海外知识产权保险")
    number, expert_id = open_ticket(desk_of, sender)
    rasa, worker = stack.service("Rasa server"), stack.service("desk worker")
    answer = "请在展会结束前向法院提交保护函，并保留设计在先使用的证据。"

    os.kill(rasa.process.pid, signal.SIGSTOP)  # the worker's delivery now hangs inside Rasa's API call
    try:
        desk_of.accept(number, expert_id)
        desk_of.answer(number, expert_id, answer)
        wait_until(lambda: "sending" in outbox_statuses(desk_of).values(), 30, "the worker is delivering")
        kill(worker)
    finally:
        os.kill(rasa.process.pid, signal.SIGCONT)
    stack.restart(worker)

    keys = [key for key in outbox_statuses(desk_of) if number in key]
    wait_until(
        lambda: all(outbox_statuses(desk_of)[key] == "sent" for key in keys),
        90,
        "the restarted worker delivers what the killed one left",
    )
    said = bot_texts(settings, sender)
    assert sum(answer in t for t in said) == 1, said
    assert sum(f"工单 {number} 已有专家受理" in t for t in said) == 1, said


def test_on_telegram_the_action_server_down_is_one_notice_then_the_answer(faulty, tmp_path) -> None:
    from tests.helpers.telegram_fake import FakeBotApi, WorkerProcess, worker_environment

    settings, stack = faulty
    api = FakeBotApi("424242:fake-token-for-the-fault-tests")
    env = worker_environment(
        token=api.token,
        api=api,
        rasa_url=settings.rasa_url,
        rasa_token=settings.rasa_token,
        database_url=settings.database_url,
        var_dir=tmp_path,
    )
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    actions, chat = stack.service("action server"), 7001
    try:
        kill(actions)
        api.user_says(chat, "337调查一般要多久")
        received = api.wait_for_message(chat, timeout=60)
        assert "已收到您的问题，我们会尽快答复" in received.text
        stack.restart(actions, timeout=120)
        answer = api.wait_for_message(chat, lambda c: "337" in c.text and bool(c.buttons), after=1, timeout=90)
        assert "已收到" not in answer.text
        assert sum("已收到您的问题" in c.text for c in api.sent(chat)) == 1
        turns = answered_turns(tracker_events(settings, f"tg:{chat}"))
        assert turns == [("337调查一般要多久", ["answer"])]
    finally:
        if actions.process.poll() is not None:
            stack.restart(actions, timeout=120)
        worker.stop()
        api.close()
