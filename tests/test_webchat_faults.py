"""The web chat under faults (its own stack, which the tests stop and restart): with the Rasa server down, the
action server, or the desk's database, a visitor's messages are kept, the visitor is told once, and each is answered
once, in order, when the part is back — without the visitor sending anything again."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.helpers.stack import stack_settings, start_or_fail
from tests.helpers.webchat import Visitor
from tests.test_faults import faulty  # noqa: F401 — the fault tests' stack on PostgreSQL and Redis of its own

pytestmark = [pytest.mark.slow, pytest.mark.stack]


@pytest.fixture(scope="module")
def chat_stack(trained_model, tmp_path_factory):
    from bot.processes.launcher import Stack, all_services, prepare_desk

    var_dir = tmp_path_factory.mktemp("webchat-faults")
    settings = stack_settings(trained_model, var_dir)
    prepare_desk(settings)
    stack = Stack(all_services(settings), log_dir=var_dir / "logs")
    start_or_fail(stack, var_dir / "logs", 240)
    yield settings, stack
    stack.stop()


def kill(service) -> None:
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait()


def conversation(visitor: Visitor) -> list[tuple[str, str]]:
    return [(m["from"], m["text"]) for m in visitor.http.get("/api/history").json()["messages"]]


def wait_for_answers(visitor: Visitor, questions: list[str], timeout: float) -> list[tuple[str, str]]:
    """The conversation once every question has a bot message after it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            shown = conversation(visitor)
        except (ValueError, KeyError):
            shown = []
        users = [text for who, text in shown if who == "user"]
        if users[-len(questions) :] == questions and shown and shown[-1][0] == "bot":
            return shown
        if time.monotonic() > deadline:
            pytest.fail(f"not answered within {timeout:.0f} s: {shown}")
        time.sleep(1)


@pytest.mark.parametrize("part", ["Rasa server", "action server"])
def test_a_part_down_the_visitor_is_told_once_and_answered_later_once_each(chat_stack, part) -> None:
    settings, stack = chat_stack
    visitor = Visitor(settings.webchat_url)
    try:
        visitor.consent()
        assert visitor.send("你好").json() == {"status": "answered"}
        service = stack.service(part)
        kill(service)
        questions = ["337调查一般要多久", "有哪些海外知识产权保险"]
        first = visitor.send(questions[0], id="kept-question-1")
        assert first.json() == {"status": "kept", "notice": True}  # told once …
        assert visitor.send(questions[0], id="kept-question-1").json() == {"status": "kept", "notice": False}
        assert visitor.send(questions[1], id="kept-question-2").json() == {"status": "kept", "notice": False}
        stack.restart(service, timeout=240)

        shown = wait_for_answers(visitor, questions, timeout=180)  # … and answered without sending again
        users = [text for who, text in shown if who == "user"]
        assert users.count(questions[0]) == 1 and users.count(questions[1]) == 1
        first_answer = shown[shown.index(("user", questions[0])) + 1]
        assert first_answer[0] == "bot" and "337" in first_answer[1]
        before = conversation(visitor)
        # The browser retrying a message that was answered meanwhile gets no second answer.
        assert visitor.send(questions[1], id="kept-question-2").json() == {"status": "answered"}
        time.sleep(2)
        assert conversation(visitor) == before
    finally:
        visitor.close()


def test_the_desk_database_down_the_visitor_is_told_once_and_answered_later(faulty, scratch_postgres) -> None:  # noqa: F811
    """The stack of tests/test_faults.py (the desk and the conversations on a PostgreSQL of its own), the database shut
    down: the question is kept, the visitor told once, and answered once when the database is back."""
    settings, _ = faulty
    visitor = Visitor(settings.webchat_url)
    up = False
    try:
        visitor.consent()
        assert visitor.send("你好").json() == {"status": "answered"}
        scratch_postgres.shut_down()
        question = "海关扣留了我们的货物怎么办"
        assert visitor.send(question, id="db-down-question").json() == {"status": "kept", "notice": True}
        time.sleep(3)  # retried while the database is down: not told again, not answered
        assert visitor.send(question, id="db-down-question").json() == {"status": "kept", "notice": False}
        scratch_postgres.start()
        up = True
        shown = wait_for_answers(visitor, [question], timeout=180)
        assert [text for who, text in shown if who == "user"].count(question) == 1
        assert "海关" in shown[-1][1]
    finally:
        if not up:
            scratch_postgres.start()
        visitor.close()
