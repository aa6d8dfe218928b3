"""The outbox delivers every message at least once and, with workers alive, exactly once: retried with backoff,
given up on after the last attempt, kept while its channel has no sender, and picked up again when the worker
that claimed it dies."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.settings import DeskSettings
from bot.desk.schema import OutboxMessage
from bot.desk.outbox import OutboxWorker, RecipientBlocked, enqueue


class Recorder:
    """A sender that delivers into a list, failing the first `failures` times."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutboxMessage) -> None:
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("telegram unreachable")
            self.sent.append(message.idempotency_key)


class Crash(BaseException):
    """Stands for the worker process being killed in the middle of a send."""


class Crasher:
    def send(self, message: OutboxMessage) -> None:
        raise Crash()


def queue(sessions, clock, *keys: str, channel: str = "telegram") -> None:
    with sessions.begin() as session:
        for key in keys:
            enqueue(session, channel, "4242", "expert_answer", {"text": f"答复 {key}"}, key, now=clock.now())


def message(sessions, key: str) -> OutboxMessage:
    with sessions() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def test_a_repeated_key_is_queued_once(desk_sessions, desk_clock) -> None:
    with desk_sessions.begin() as session:
        assert enqueue(session, "telegram", "1", "k", {"n": 1}, "same", now=desk_clock.now()) is True
        assert enqueue(session, "telegram", "1", "k", {"n": 2}, "same", now=desk_clock.now()) is False
    assert message(desk_sessions, "same").payload == {"n": 1}
    with desk_sessions.begin() as session, pytest.raises(ValueError, match="not JSON"):
        enqueue(session, "telegram", "1", "k", {"when": desk_clock}, "bad", now=desk_clock.now())


def test_a_failed_send_is_retried_with_backoff_then_delivered(desk_sessions, desk_clock) -> None:
    sender = Recorder(failures=2)
    worker = OutboxWorker(desk_sessions, {"telegram": sender}, desk_clock, "w1")
    queue(desk_sessions, desk_clock, "m1")
    start = desk_clock.now()

    assert worker.run_once() == 0
    failed = message(desk_sessions, "m1")
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("pending", 1, start + timedelta(seconds=30))
    assert failed.last_error == "ConnectionError: telegram unreachable"
    assert worker.run_once() == 0 and message(desk_sessions, "m1").attempts == 1  # not due yet

    desk_clock.advance(timedelta(seconds=30))
    assert worker.run_once() == 0
    assert message(desk_sessions, "m1").next_attempt_at == desk_clock.now() + timedelta(seconds=60)
    desk_clock.advance(timedelta(seconds=60))
    assert worker.run_once() == 1
    sent = message(desk_sessions, "m1")
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("sent", 3, desk_clock.now(), None)
    assert sender.sent == ["m1"]
    assert worker.run_once() == 0 and sender.sent == ["m1"]


def test_after_the_last_attempt_a_message_is_dead_and_logged(desk_sessions, desk_clock, caplog) -> None:
    worker = OutboxWorker(desk_sessions, {"telegram": Recorder(failures=100)}, desk_clock, "w1")
    queue(desk_sessions, desk_clock, "doomed")
    waits = []
    for _ in range(8):
        before = desk_clock.now()
        worker.run_once()
        due = message(desk_sessions, "doomed").next_attempt_at
        waits.append(due - before)
        desk_clock.set(max(due, desk_clock.now()))
    dead = message(desk_sessions, "doomed")
    assert (dead.status, dead.attempts) == ("dead", 8)
    assert [w.total_seconds() for w in waits[:7]] == [30, 60, 120, 240, 480, 960, 1920]
    assert "dead after 8 attempts" in caplog.text and "doomed" in caplog.text
    desk_clock.advance(timedelta(days=1))
    assert worker.run_once() == 0 and message(desk_sessions, "doomed").attempts == 8
    assert worker.backoff(20) == timedelta(hours=1)


def test_a_channel_without_a_sender_keeps_its_messages(desk_sessions, desk_clock) -> None:
    queue(desk_sessions, desk_clock, "sms-1", channel="sms")
    queue(desk_sessions, desk_clock, "tg-1")
    telegram_only = OutboxWorker(desk_sessions, {"telegram": Recorder()}, desk_clock, "w1")
    assert telegram_only.run_once() == 1
    desk_clock.advance(timedelta(days=3))
    assert telegram_only.run_once() == 0
    waiting = message(desk_sessions, "sms-1")
    assert (waiting.status, waiting.attempts) == ("pending", 0)

    sms = Recorder()
    assert OutboxWorker(desk_sessions, {"sms": sms}, desk_clock, "w2").run_once() == 1
    assert sms.sent == ["sms-1"]


def test_a_message_held_by_a_dead_worker_is_sent_after_its_lease(desk_sessions, desk_clock) -> None:
    queue(desk_sessions, desk_clock, "m1")
    crashed = OutboxWorker(desk_sessions, {"telegram": Crasher()}, desk_clock, "dies", lease=timedelta(seconds=60))
    with pytest.raises(Crash):
        crashed.run_once()
    held = message(desk_sessions, "m1")
    assert (held.status, held.claimed_by, held.attempts) == ("sending", "dies", 1)

    sender = Recorder()
    survivor = OutboxWorker(desk_sessions, {"telegram": sender}, desk_clock, "lives")
    assert survivor.run_once() == 0  # the lease still holds
    desk_clock.advance(timedelta(seconds=60))
    assert survivor.run_once() == 1
    sent = message(desk_sessions, "m1")
    assert (sent.status, sent.claimed_by, sent.attempts, sender.sent) == ("sent", "lives", 2, ["m1"])


def test_a_message_that_kills_every_worker_ends_dead(desk_sessions, desk_clock) -> None:
    settings = DeskSettings(outbox_max_attempts=2)
    queue(desk_sessions, desk_clock, "poison")
    for n in range(2):
        with pytest.raises(Crash):
            OutboxWorker(desk_sessions, {"telegram": Crasher()}, desk_clock, f"w{n}", settings=settings).run_once()
        desk_clock.advance(timedelta(seconds=61))
    assert OutboxWorker(desk_sessions, {"telegram": Recorder()}, desk_clock, "w9", settings=settings).run_once() == 0
    dead = message(desk_sessions, "poison")
    assert (dead.status, dead.attempts) == ("dead", 2)
    assert "lease expired" in dead.last_error


def test_two_workers_send_each_of_200_messages_exactly_once(desk_sessions, desk_clock) -> None:
    keys = [f"m{n:03d}" for n in range(200)]
    queue(desk_sessions, desk_clock, *keys)
    sender = Recorder()
    by_worker: Counter[str] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def drain(worker_id: str) -> None:
        worker = OutboxWorker(desk_sessions, {"telegram": sender}, desk_clock, worker_id)
        try:
            start.wait()
            while True:
                sent = worker.run_once(limit=10)
                by_worker[worker_id] += sent
                if sent == 0:  # nothing to claim: done, unless the other worker is still sending its batch
                    with desk_sessions() as session:
                        if (
                            session.scalars(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).first()
                            is None
                        ):
                            return
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Counter(sender.sent) == Counter(keys)
    assert sum(by_worker.values()) == 200
    print("messages sent per worker:", dict(by_worker))
    with desk_sessions() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
    assert Counter(statuses) == {"sent": 200}


def test_the_worker_process_loop_stops_when_told(desk_sessions, desk_clock) -> None:
    sender = Recorder()
    worker = OutboxWorker(desk_sessions, {"telegram": sender}, desk_clock, "loop")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop, 0.01))
    thread.start()
    queue(desk_sessions, desk_clock, "late")
    for _ in range(500):
        if sender.sent:
            break
        threading.Event().wait(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and sender.sent == ["late"]


def staff_alerts(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "undelivered").order_by(OutboxMessage.id))
        )


def test_a_message_given_up_becomes_an_alert_in_the_staff_inbox(desk_sessions, desk_clock) -> None:
    settings = DeskSettings(outbox_max_attempts=2)
    worker = OutboxWorker(desk_sessions, {"telegram": Recorder(failures=100)}, desk_clock, "w1", settings=settings)
    with desk_sessions.begin() as session:
        enqueue(
            session,
            "telegram",
            "tg:77",
            "expert_answer",
            {"ticket": "SX-20261201-0003", "text": "答复"},
            "answer-77",
            now=desk_clock.now(),
        )
    worker.run_once()
    assert staff_alerts(desk_sessions) == []  # a retry is coming: nobody is bothered yet
    desk_clock.advance(timedelta(minutes=5))
    worker.run_once()
    assert message(desk_sessions, "answer-77").status == "dead"

    (alert,) = staff_alerts(desk_sessions)
    assert (alert.channel, alert.recipient, alert.status) == ("staff", "hotline", "pending")
    assert alert.payload["ticket"] == "SX-20261201-0003" and alert.payload["priority"] == "urgent"
    assert "专家答复" in alert.payload["text"] and "tg:77" in alert.payload["text"]
    assert "telegram unreachable" in alert.payload["text"]
    worker.run_once()  # the staff channel has no sender: the alert waits in the console's inbox
    assert len(staff_alerts(desk_sessions)) == 1


def test_a_question_the_bot_never_answered_is_put_before_staff_with_its_text(desk_sessions, desk_clock) -> None:
    from bot.runtime.held import HeldQuestions

    HeldQuestions(desk_sessions, desk_clock).hold("web-visitor-9", "m-1", "美国法院的传票怎么处理？", language="zh")
    worker = OutboxWorker(
        desk_sessions, {"rest": Crasher()}, desk_clock, "w1", settings=DeskSettings(outbox_max_attempts=1)
    )
    with pytest.raises(Crash):
        worker.run_once()
    desk_clock.advance(timedelta(seconds=61))
    OutboxWorker(
        desk_sessions, {"rest": Recorder()}, desk_clock, "w2", settings=DeskSettings(outbox_max_attempts=1)
    ).run_once()
    (alert,) = staff_alerts(desk_sessions)
    assert "美国法院的传票怎么处理？" in alert.payload["text"] and "web-visitor-9" in alert.payload["text"]


def test_refused_warning_pushes_and_alerts_themselves_raise_no_alert(desk_sessions, desk_clock) -> None:
    class Blocked:
        def send(self, message: OutboxMessage) -> None:
            raise RecipientBlocked("Forbidden: bot was blocked by the user")

    with desk_sessions.begin() as session:
        enqueue(session, "telegram", "tg:5", "warning", {"warning": 1}, "warning:1:5", now=desk_clock.now())
        enqueue(
            session,
            "telegram",
            "tg:5",
            "case_accepted",
            {"ticket": "SX-1", "text": "已受理"},
            "accepted-5",
            now=desk_clock.now(),
        )
        enqueue(session, "telegram", "900", "staff_alert", {"text": "紧急工单"}, "alert-1", now=desk_clock.now())
    settings = DeskSettings(staff_channel="telegram", staff_recipient="900")
    OutboxWorker(desk_sessions, {"telegram": Blocked()}, desk_clock, "w1", settings=settings).run_once()
    alerts = staff_alerts(desk_sessions)
    assert [a.payload["kind"] for a in alerts] == ["case_accepted"]  # the enterprise must still hear of its case
    assert "recipient blocked" in alerts[0].payload["text"]
    OutboxWorker(desk_sessions, {"telegram": Blocked()}, desk_clock, "w2", settings=settings).run_once()
    assert len(staff_alerts(desk_sessions)) == 1  # the alert, refused in its turn, is not alerted about again
