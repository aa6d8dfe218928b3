"""WeChat under faults (`make test-slow`): the stack on PostgreSQL and Redis of its own (tests/test_faults.py's),
the WeChat worker in front of it. The action server killed, or PostgreSQL shut down: the follower is told once, in
the passive reply, that the message was received, and gets the answer through the customer-service API when the
part is back — one turn, nothing said twice."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.helpers.rest import answered_turns, tracker_events
from tests.helpers.stack import free_port
from tests.helpers.wechat_fake import FakeWeChatApi, WeChatServerSide, WorkerProcess, worker_environment
from tests.test_faults import faulty, kill  # noqa: F401 — the stack of the fault tests, shared

pytestmark = pytest.mark.slow


@pytest.fixture()
def wechat(faulty, tmp_path):  # noqa: F811
    settings, stack = faulty
    api = FakeWeChatApi()
    port = free_port()
    env = worker_environment(
        api=api,
        port=port,
        rasa_url=settings.rasa_url,
        rasa_token=settings.rasa_token,
        database_url=settings.database_url,
        var_dir=tmp_path,
    )
    worker = WorkerProcess(env, tmp_path / "worker.log", url=f"http://127.0.0.1:{port}/wechat")
    worker.start()
    worker.wait_listening()
    yield api, WeChatServerSide(worker.url), worker
    worker.stop()
    api.close()


def told_once_then_answered(wechat, settings, question: str, bring_back) -> None:
    api, server, worker = wechat
    who = f"o_{uuid.uuid4().hex[:12]}"
    waiting = server.says(who, question)
    assert waiting.text and "已收到您的问题" in waiting.text, worker.output()[-3000:]
    time.sleep(3)  # retries while the part is down: the follower is not told again
    assert api.sent(who) == []
    bring_back()
    answer = api.wait_for_message(who, timeout=120)
    assert "已收到" not in answer.text
    assert not any("已收到" in c.text for c in api.sent(who))
    assert [text for text, _ in answered_turns(tracker_events(settings, f"wx:{who}"))] == [question]


def test_on_wechat_the_action_server_down_is_one_notice_then_the_answer(faulty, wechat) -> None:  # noqa: F811
    settings, stack = faulty
    actions = stack.service("action server")
    kill(actions)
    try:
        told_once_then_answered(wechat, settings, "337调查一般要多久", lambda: stack.restart(actions, timeout=120))
    finally:
        if actions.process.poll() is not None:
            stack.restart(actions, timeout=120)


def test_on_wechat_postgresql_down_is_one_notice_then_the_answer(faulty, wechat, scratch_postgres) -> None:  # noqa: F811
    settings, _ = faulty
    up = False

    def bring_back() -> None:
        nonlocal up
        scratch_postgres.start()
        up = True

    scratch_postgres.shut_down()
    try:
        told_once_then_answered(wechat, settings, "海关扣留了我们的货物怎么办", bring_back)
    finally:
        if not up:
            scratch_postgres.start()
