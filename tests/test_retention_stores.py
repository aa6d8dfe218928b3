"""Issue 15, Medium 3, on both databases: the retention purge covers every store of personal data — Rasa's tracker
store (its `events`, beside the desk on PostgreSQL, var/tracker.db on SQLite), outbox messages still pending past the
period, the Telegram worker's inbox and the log files — and one enterprise's data goes at once on its request, by its
contact or by a ticket, audited without naming the contact."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.channels.telegram.inbox import Inbox
from bot.desk.db import make_engine
from bot.desk.schema import AuditEntry, Call, OutboxMessage, Ticket, TranscriptLine
from bot.desk.privacy import ANONYMISED
from bot.desk.retention import PersonalStores, purge, purge_enterprise
from tests.helpers.console import open_ticket

PERIOD = timedelta(days=730)


def rasa_events_table():
    """The table Rasa's SQL tracker store writes (its own definition, not a copy)."""
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore.SQLEvent.__table__


def say(engine, sender: str, text: str, at: float) -> None:
    """One user message as Rasa stores it."""
    from rasa.shared.core.events import UserUttered

    event = UserUttered(text, {"name": "request_human", "confidence": 0.9}, timestamp=at)
    with engine.begin() as connection:
        connection.execute(
            insert(rasa_events_table()).values(
                sender_id=sender,
                type_name="user",
                timestamp=at,
                intent_name="request_human",
                action_name=None,
                data=json.dumps(event.as_dict(), ensure_ascii=False),
            )
        )


@pytest.fixture()
def stores(desk_engine, tmp_path):
    """The personal-data stores as `make run` lays them out, on the test's database: the tracker store beside the
    desk on PostgreSQL, else var/tracker.db; the Telegram inbox and the logs in var/."""
    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True)
    tracker = (
        desk_engine if desk_engine.dialect.name == "postgresql" else make_engine(f"sqlite:///{var / 'tracker.db'}")
    )
    rasa_events_table().create(tracker)
    Inbox(f"sqlite:///{var / 'telegram-inbox.db'}").close()
    found = PersonalStores.of(desk_engine, var)
    assert found.tracker is not None and found.telegram_inbox is not None
    return found


def conversation(engine, sender: str) -> list[str]:
    table = rasa_events_table()
    with engine.connect() as connection:
        return [
            json.loads(data)["text"]
            for data in connection.scalars(select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id))
        ]


def test_old_conversations_leave_the_tracker_store_with_the_rest(
    desk, desk_clock, desk_sessions, desk_settings, stores
):
    long_ago = desk_clock.now()
    say(stores.tracker, "web-13900000001", "我的电话是13900000001，美国337调查", long_ago.timestamp())
    desk_clock.advance(PERIOD + timedelta(days=30))
    say(stores.tracker, "web-13900000002", "我的电话是13900000002", desk_clock.now().timestamp())
    dry = purge(desk_sessions, desk_clock, desk_settings, dry_run=True, stores=stores)
    assert dry.tracker_events == 1 and conversation(stores.tracker, "web-13900000001")
    report = purge(desk_sessions, desk_clock, desk_settings, stores=stores)
    assert report.tracker_events == 1
    assert conversation(stores.tracker, "web-13900000001") == []
    assert conversation(stores.tracker, "web-13900000002") == ["我的电话是13900000002"]
    assert purge(desk_sessions, desk_clock, desk_settings, stores=stores).tracker_events == 0


def test_messages_still_pending_past_the_period_are_deleted(desk, desk_clock, desk_sessions, desk_settings, add_expert):
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])  # reached by e-mail: nothing delivers it
    number = open_ticket(
        desk, "太原精密机械有限公司", "13900000011", description="我们在美国被起诉专利侵权，联系人手机 13900000011"
    )
    desk.close(number, "staff:wang", "企业已自行处理")
    with desk_sessions() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert [m.kind for m in pending if m.channel == "email"] == ["case_assigned"]
    desk_clock.advance(PERIOD + timedelta(days=1))
    report = purge(desk_sessions, desk_clock, desk_settings)
    assert report.outbox_messages >= 1
    with desk_sessions() as session:
        left = session.scalars(select(OutboxMessage)).all()
    assert left == []


def test_the_telegram_inbox_and_old_logs_are_purged_too(desk_clock, desk_sessions, desk_settings, stores):
    inbox = Inbox(str(stores.telegram_inbox.url))
    old = desk_clock.now()
    inbox.store([(1, 4242, {"update_id": 1, "message": {"chat": {"id": 4242}, "text": "我的电话 13900000001"}})], old)
    inbox.add_delivery("turn:1", 4242, [{"text": "已为您转专家"}], old)
    inbox.set_language(4242, "zh", old)
    old_log, new_log = stores.log_dir / "rasa.log.1", stores.log_dir / "rasa.log"
    old_log.write_text("turn from web-13900000001\n")
    new_log.write_text("recent\n")
    os.utime(old_log, (old.timestamp(), old.timestamp()))
    desk_clock.advance(PERIOD + timedelta(days=1))
    inbox.store([(2, 4343, {"update_id": 2, "message": {"chat": {"id": 4343}, "text": "你好"}})], desk_clock.now())
    report = purge(desk_sessions, desk_clock, desk_settings, stores=stores)
    assert report.telegram_inbox == 3 and report.log_files == 1
    assert not old_log.exists() and new_log.exists()
    assert inbox.delivery("turn:1") is None and inbox.language(4242) is None
    assert inbox.head(4242, desk_clock.now()) is None and inbox.head(4343, desk_clock.now()) is not None
    inbox.close()


@pytest.mark.parametrize("by", ["contact", "ticket"])
def test_one_enterprise_is_purged_at_once_on_request_and_audited(
    desk, desk_clock, desk_sessions, add_expert, stores, by
):
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    theirs = open_ticket(
        desk,
        "太原精密机械有限公司",
        "139-0000-0011",
        sender_id="tg:4242",
        description="我们在美国被起诉，手机 13900000011",
    )
    again = open_ticket(desk, "太原精密机械有限公司", "13900000011", sender_id="web-taiyuan")  # still open
    other = open_ticket(desk, "运城果业有限公司", "13900000099")
    say(stores.tracker, "tg:4242", "手机 13900000011", desk_clock.now().timestamp())
    say(stores.tracker, "web-13900000099", "别人的对话", desk_clock.now().timestamp())
    inbox = Inbox(str(stores.telegram_inbox.url))
    inbox.store(
        [(7, 4242, {"update_id": 7, "message": {"chat": {"id": 4242}, "text": "手机 13900000011"}})], desk_clock.now()
    )
    with desk_sessions.begin() as session:
        session.add(
            Call(
                received_at=desk_clock.now(),
                channel="phone",
                company="太原精密机械有限公司",
                caller_name="张经理",
                phone="13900000011",
                question="我们被起诉了",
                created_at=desk_clock.now(),
                updated_at=desk_clock.now(),
            )
        )

    report = (
        purge_enterprise(desk_sessions, desk_clock, contact="139 0000 0011", actor="admin", stores=stores)
        if by == "contact"
        else purge_enterprise(desk_sessions, desk_clock, ticket=theirs.lower(), actor="admin", stores=stores)
    )
    assert report.tickets == 2 and report.calls == 1 and report.tracker_events == 1 and report.telegram_inbox == 1
    with desk_sessions() as session:
        tickets = {t.number: t for t in session.scalars(select(Ticket))}
        lines = session.scalars(select(TranscriptLine.text).where(TranscriptLine.ticket_id == tickets[theirs].id)).all()
        messages = session.scalars(select(OutboxMessage.payload)).all()
        call = session.scalars(select(Call)).one()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).one()
    for number in (theirs, again):
        assert tickets[number].contact == ANONYMISED and tickets[number].description == ANONYMISED
        assert not tickets[number].sender_id.startswith(("tg:", "web-"))
    assert tickets[again].status == "assigned" and set(lines) == {ANONYMISED}
    assert tickets[other].contact == "13900000099"  # another enterprise keeps its data
    assert "13900000011" not in json.dumps(messages, ensure_ascii=False)
    assert call.phone is None and call.caller_name is None
    assert conversation(stores.tracker, "tg:4242") == [] and conversation(stores.tracker, "web-13900000099")
    assert inbox.head(4242, desk_clock.now()) is None
    inbox.close()
    assert entry.username == "admin" and entry.object_type == "enterprise"
    assert entry.object_id == (theirs if by == "ticket" else "139****0011")
    assert "13900000011" not in json.dumps(entry.detail) and sorted(entry.detail["ticket_numbers"]) == sorted(
        [theirs, again]
    )


def test_a_purge_on_request_for_nobody_changes_nothing(desk, desk_clock, desk_sessions):
    from bot.desk.cleaning import DeskError

    open_ticket(desk, "太原精密机械有限公司", "13900000011")
    with pytest.raises(DeskError):
        purge_enterprise(desk_sessions, desk_clock, ticket="SX-19990101-0001")
    purge_enterprise(desk_sessions, desk_clock, contact="13800000000")  # no such enterprise: nothing to anonymise
    with desk_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.contact == ANONYMISED)) == 0
