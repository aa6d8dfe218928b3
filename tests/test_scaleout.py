"""Scaled out: two Rasa servers and two action servers behind nginx on one PostgreSQL tracker store and a Redis lock
store (bot/processes/cluster.py, deploy/nginx/ipdesk.conf) carry one conversation between them, and one takes over when the
other dies."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
import time
from typing import Any

import pytest

from bench.load import run_load
from tests.helpers.stack import free_port, start_or_fail
from tests.helpers.rest import answered_turns, customs, message, post, say, tracker_events

pytestmark = pytest.mark.slow

BURST = 100
QUESTIONS = [
    "有哪些海外知识产权保险",
    "337调查一般要多久",
    "智南针网是什么",
    "你好",
    "How long does a Section 337 investigation take?",
    "明天太原天气怎么样",
]


@pytest.fixture(scope="module")
def cluster(trained_model, tmp_path_factory, scratch_postgres, scratch_redis):
    from bot.processes.cluster import Layout, cluster_services
    from bot.processes.launcher import Settings, Stack, prepare_desk

    var_dir = tmp_path_factory.mktemp("cluster")
    base = Settings(
        console_port=free_port(),
        model=trained_model,
        var_dir=var_dir,
        database_url=scratch_postgres.url,
        redis_url=scratch_redis.url,
        redis_prefix="scaleout",
    )
    layout = Layout(
        base,
        rasa_ports=(free_port(), free_port()),
        action_ports=(free_port(), free_port()),
        public_port=free_port(),
        internal_port=free_port(),
        actions_entry_port=free_port(),
        chat_rate=1000,
        chat_burst=1000,
    )  # the tests all come from 127.0.0.1
    prepare_desk(base)
    services = cluster_services(layout)
    for service in services:  # the tests send one conversation's messages faster than the rate limit lets a person
        if service.env is not None:
            service.env["IPDESK_REST_BURST"] = str(BURST)
    stack = Stack(services, log_dir=var_dir / "logs")
    start_or_fail(stack, var_dir / "logs", 400)
    yield layout, stack
    stack.stop()


def server(layout, port: int):
    """Settings that talk to one Rasa server directly, not through nginx."""
    return layout.rasa_settings(port)


def assert_whole(events: list[dict[str, Any]]) -> None:
    """Each user message is followed by its own turn: one reply-contract message, then listening, and nothing of
    another turn in between."""
    turn: list[dict[str, Any]] | None = None
    for event in events + [{"event": "user"}]:
        if event["event"] == "user":
            if turn is not None:
                kinds = [
                    e["data"]["custom"]["kind"]
                    for e in turn
                    if e["event"] == "bot" and (e.get("data") or {}).get("custom")
                ]
                assert len(kinds) == 1, turn
                assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", turn
            turn = []
        elif turn is not None:
            turn.append(event)


def test_one_conversation_alternating_between_two_rasa_servers_loses_and_reorders_nothing(cluster) -> None:
    layout, _ = cluster
    first, second = (server(layout, port) for port in layout.rasa_ports)
    sender = "alternating"
    sent = []
    for number, question in enumerate(QUESTIONS * 2):
        replies = say(first if number % 2 == 0 else second, sender, question)
        assert customs(replies)[-1]["kind"] != "holding"
        sent.append(question)
    events = tracker_events(first, sender)
    assert [text for text, _ in answered_turns(events)] == sent
    assert events == tracker_events(second, sender)
    assert_whole(events)

    # both at once: the lock store makes them take turns, each turn whole, none lost
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for question in QUESTIONS:
            both = [pool.submit(say, s, sender, f"{question} ({s.rasa_port})") for s in (first, second)]
            for future in both:
                assert customs(future.result())[-1]["kind"] != "holding"
            sent += [f"{question} ({s.rasa_port})" for s in (first, second)]
    events = tracker_events(second, sender)
    texts = [text for text, _ in answered_turns(events)]
    assert sorted(texts) == sorted(sent) and len(texts) == len(sent)
    assert texts[: len(QUESTIONS) * 2] == sent[: len(QUESTIONS) * 2]
    assert_whole(events)


def test_a_sender_flooding_both_servers_gets_one_senders_rate(cluster) -> None:
    """The servers share the per-sender limits in Redis: spreading a flood over them does not double it."""
    layout, _ = cluster
    first, second = (server(layout, port) for port in layout.rasa_ports)
    started = time.monotonic()
    statuses = [post(first if number % 2 else second, message("flood-both", "你好"))[0] for number in range(BURST + 40)]
    elapsed = time.monotonic() - started
    refill = elapsed * 30 / 60  # IPDESK_REST_PER_MINUTE's default, 30 a minute
    assert set(statuses) == {200, 429}
    assert BURST <= statuses.count(200) <= BURST + refill + 1, (statuses.count(200), elapsed)
    refused_by = {("first" if number % 2 else "second") for number, status in enumerate(statuses) if status == 429}
    assert refused_by == {"first", "second"}
    assert post(first, message("calm-neighbour", "你好"))[0] == 200


def test_a_rasa_server_killed_behind_nginx_the_other_takes_over(cluster) -> None:
    layout, stack = cluster
    victim = stack.service(f"Rasa server {layout.rasa_ports[0]}")
    result: dict[str, Any] = {}
    load = threading.Thread(
        target=lambda: result.update(run=run_load(layout.public_url, concurrency=4, duration=30, label="rasa-killed"))
    )
    load.start()
    time.sleep(8)
    killing = time.monotonic()
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait()  # until the kernel has closed its sockets: a dying process still takes connections
    dead = time.monotonic()
    load.join()
    run = result["run"]

    before = [e for e in run.exchanges if e.started + e.seconds < killing]
    during = [e for e in run.exchanges if e.started < dead and e.started + e.seconds >= killing]
    after = [e for e in run.exchanges if e.started >= dead]
    assert before and after and all(e.ok for e in before)
    # a message the killed server had taken is lost to its client, who is told so and sends it again
    refused = [e for e in during if not e.ok]
    assert len(refused) <= 4 and all(e.status == 503 and "send it again" in e.replies["error"] for e in refused), [
        (e.status, e.error, e.replies) for e in refused
    ]
    assert all(e.ok for e in after), [
        (e.status, e.replies, e.sender, e.started - dead, e.seconds) for e in after if not e.ok
    ][:5]
    assert all(customs(e.replies)[-1]["kind"] != "holding" for e in after)

    stack.restart(victim, timeout=240)
    assert (
        customs(say(server(layout, layout.rasa_ports[0]), "back-again", "有哪些海外知识产权保险"))[-1]["kind"]
        == "answer"
    )
