"""Personal-data retention on both databases: what is older than the period is anonymised, what is open or recent is
not, the figures keep their classification, a second run and a dry run change nothing; and the purge command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.console.calls import CallForm
from bot.desk.privacy import ANONYMISED
from bot.desk.retention import purge
from bot.console.suggest import Suggestion
from bot.desk.schema import (
    Attachment,
    AuditEntry,
    Call,
    ConsoleSession,
    OutboxMessage,
    SignInAttempt,
    Ticket,
    TicketEvent,
    TranscriptLine,
)
from tests.helpers.console import PASSWORD

PERIOD = timedelta(days=730)


@dataclass
class Desk:
    """The rows a test made, by what they stand for."""

    old_call: int
    old_escalated_call: int
    old_closed: str
    old_open: str
    recent_call: int
    recent_closed: str
    old_file: Path
    open_file: Path


def log_call(ctx, staff, company: str, phone: str, question: str, *, notes: str | None = None) -> Call:
    suggestion = Suggestion(
        language="zh",
        intent="ask_insurance",
        confidence=0.9,
        entities={"country": ["美国"]},
        answer="可以了解海外知识产权保险。来源：……",
        sources=["faq:insurance-types"],
    )
    return ctx.calls.log_call(
        CallForm(company=company, question=question, phone=phone, caller_name="李经理", notes=notes), suggestion, staff
    )


def attach(ctx, ticket: Ticket, path: Path, now: datetime) -> None:
    path.write_bytes(b"%PDF-1.4 complaint")
    with ctx.sessions.begin() as session:
        session.add(
            Attachment(
                ticket_id=ticket.id,
                sender_id=ticket.sender_id,
                source_key=f"test:{path.name}",
                file_name="起诉书.pdf",
                mime_type="application/pdf",
                size=18,
                path=str(path),
                created_at=now,
            )
        )


@pytest.fixture()
def seeded(console_context, console_user, desk_clock, add_expert, tmp_path) -> Desk:
    """Two years and more of desk work: old calls and tickets (one closed, one still open), then recent ones."""
    ctx = console_context
    expert = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    console_user("wang", "staff")
    staff, _ = ctx.accounts.sign_in("wang", PASSWORD, ip="10.0.0.7")
    old_call = log_call(ctx, staff, "忻州食品有限公司", "13900000001", "美国商标被抢注了怎么办", notes="下周回访")
    escalated = log_call(ctx, staff, "大同重工股份有限公司", "03525551234", "我们在美国被起诉专利侵权")
    ctx.calls.escalate(escalated.id, staff, priority="urgent")
    closed = ctx.desk.open_ticket(
        channel="telegram",
        sender_id="tg-4242",
        company="太原精密机械有限公司",
        contact="13800000001",
        contact_name="王经理",
        description="在美国被诉专利侵权，刚收到起诉书",
        country="美国",
        ip_type="专利",
        transcript=[("user", "我们在美国被起诉了，联系人王经理 13800000001"), ("bot", "已为您转专家")],
    )
    ctx.desk.accept(closed.number, expert)
    ctx.desk.answer(closed.number, expert, "请先委托美国律师评估，20天内答辩。")
    ctx.desk.rate(closed.number, "tg-4242", 5, "王经理说很有帮助")
    ctx.desk.close(closed.number, "staff:wang", "已答复")
    ctx.desk.record_follow_up(closed.number, "tg-4242", "已和解，联系人电话换成 13900001111")
    still_open = ctx.desk.open_ticket(
        channel="rest",
        sender_id="web-77",
        company="阳泉陶瓷有限公司",
        contact="ceo@yq-ceramics.example",
        description="欧盟海关扣了我们的货",
        country="欧盟",
        ip_type="商标",
        transcript=[("user", "欧盟海关扣货")],
    )
    attach(ctx, closed, tmp_path / "old.pdf", desk_clock.now())
    attach(ctx, still_open, tmp_path / "open.pdf", desk_clock.now())
    with ctx.sessions.begin() as session:  # the workers delivered what the desk queued back then
        session.execute(update(OutboxMessage).values(status="sent", sent_at=desk_clock.now()))

    desk_clock.advance(PERIOD + timedelta(days=10))
    recent_staff, _ = ctx.accounts.sign_in("wang", PASSWORD, ip="10.0.0.9")
    recent_call = log_call(ctx, recent_staff, "运城果业有限公司", "13900000002", "欧盟地理标志怎么保护")
    recent = ctx.desk.open_ticket(
        channel="rest",
        sender_id="web-88",
        company="晋城光电科技有限公司",
        contact="13700000003",
        description="德国展会上被发了禁令",
        country="德国",
    )
    ctx.desk.close(recent.number, "staff:wang", "已电话答复")
    return Desk(
        old_call.id,
        escalated.id,
        closed.number,
        still_open.number,
        recent_call.id,
        recent.number,
        tmp_path / "old.pdf",
        tmp_path / "open.pdf",
    )


def snapshot(ctx) -> dict[str, list[tuple]]:
    """Everything the purge may touch, as plain values."""

    def rows(session, model, *columns):
        return sorted(
            tuple(str(getattr(r, c)) for c in columns)
            for r in session.scalars(select(model))
            if getattr(r, "action", None) != "purge"
        )  # each run's own record is not a change to the data

    with ctx.sessions() as session:
        return {
            "calls": rows(session, Call, "id", "caller_name", "phone", "question", "notes", "answer", "anonymised_at"),
            "tickets": rows(
                session,
                Ticket,
                "id",
                "contact",
                "contact_name",
                "sender_id",
                "description",
                "rating_comment",
                "follow_up_note",
            ),
            "lines": rows(session, TranscriptLine, "id", "text"),
            "events": rows(session, TicketEvent, "id", "actor", "reason"),
            "attachments": rows(session, Attachment, "id", "path"),
            "outbox": rows(session, OutboxMessage, "id"),
            "attempts": rows(session, SignInAttempt, "id"),
            "sessions": rows(session, ConsoleSession, "id"),
            "audit_ips": rows(session, AuditEntry, "id", "ip"),
        }


def ticket(ctx, number: str) -> Ticket:
    with ctx.sessions() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_old_calls_and_closed_tickets_are_anonymised_and_open_or_recent_ones_are_not(
    console_context, seeded, desk_clock
):
    ctx = console_context
    recent_before = snapshot(ctx)
    with ctx.sessions() as session:
        old_with_ip = session.scalars(
            select(AuditEntry.ip).where(AuditEntry.at < desk_clock.now() - PERIOD, AuditEntry.ip.is_not(None))
        ).all()
    assert "10.0.0.7" in old_with_ip
    report = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert report.cutoff == desk_clock.now() - PERIOD
    with ctx.sessions() as session:
        old = session.get(Call, seeded.old_call)
        escalated = session.get(Call, seeded.old_escalated_call)
        recent = session.get(Call, seeded.recent_call)
    # The old call keeps what the figures count, and nothing that names the caller.
    assert (old.caller_name, old.phone, old.question, old.notes, old.answer) == (
        None,
        None,
        ANONYMISED,
        ANONYMISED,
        ANONYMISED,
    )
    assert old.anonymised_at == desk_clock.now()
    assert (old.intent, old.country, old.suggested_sources, old.company) == (
        "ask_insurance",
        "美国",
        ["faq:insurance-types"],
        "忻州食品有限公司",
    )
    # A call whose ticket is still open is the case's record: untouched, as is the recent call.
    assert escalated.phone == "03525551234" and escalated.anonymised_at is None
    assert recent.phone == "13900000002" and recent.question == "欧盟地理标志怎么保护"

    closed = ticket(ctx, seeded.old_closed)
    assert (closed.contact, closed.contact_name, closed.description) == (ANONYMISED, None, ANONYMISED)
    assert closed.sender_id == f"anonymised:{closed.id}"
    assert (closed.rating_comment, closed.follow_up_note) == (ANONYMISED, ANONYMISED)
    assert (closed.country, closed.ip_type, closed.rating, closed.company, closed.status) == (
        "美国",
        "专利",
        5,
        "太原精密机械有限公司",
        "closed",
    )
    with ctx.sessions() as session:
        lines = session.scalars(select(TranscriptLine.text).where(TranscriptLine.ticket_id == closed.id)).all()
        events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == closed.id)).all()
    assert lines and set(lines) == {ANONYMISED}
    assert not any(
        "tg-4242" in e.actor or "13900001111" in (e.reason or "") or "王经理" in (e.reason or "") for e in events
    )
    assert [e.action for e in events if e.actor == "enterprise:anonymised"] == ["rated", "follow_up_recorded"]

    still_open = ticket(ctx, seeded.old_open)
    assert still_open.contact == "ceo@yq-ceramics.example" and still_open.sender_id == "web-77"
    assert still_open.description == "欧盟海关扣了我们的货"
    recent_closed = ticket(ctx, seeded.recent_closed)
    assert recent_closed.contact == "13700000003" and recent_closed.sender_id == "web-88"

    # The old ticket's file is gone from disk and from the desk; the open ticket's stays.
    assert not seeded.old_file.exists() and seeded.open_file.exists()
    after = snapshot(ctx)
    assert after["attachments"] == [r for r in recent_before["attachments"] if r[1] == str(seeded.open_file)]
    # Old delivered messages, sign-in attempts and sessions are deleted; old audit entries lose their address.
    assert len(after["outbox"]) < len(recent_before["outbox"])
    with ctx.sessions() as session:
        cutoff = report.cutoff
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.created_at < cutoff)).all() == []
        assert session.scalars(select(SignInAttempt).where(SignInAttempt.at < cutoff)).all() == []
        assert session.scalars(select(SignInAttempt)).all()  # the recent sign-in stays
        assert session.scalars(select(ConsoleSession).where(ConsoleSession.expires_at < cutoff)).all() == []
        old_ips = session.scalars(select(AuditEntry.ip).where(AuditEntry.at < cutoff)).all()
        recent_ips = session.scalars(select(AuditEntry.ip).where(AuditEntry.at >= cutoff)).all()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).one()
    assert old_ips and set(old_ips) == {None}
    assert "10.0.0.9" in recent_ips
    assert entry.username == "command-line" and entry.object_type == "retention"
    assert entry.detail["calls"] == 1 and entry.detail["tickets"] == 1 and entry.detail["attachments"] == 1
    assert entry.detail["retention_days"] == 730
    assert (report.calls, report.tickets, report.attachments, report.attachment_failures) == (1, 1, 1, 0)
    assert report.transcript_lines == len(lines) and report.ticket_events == 2
    assert report.sign_in_attempts == 1 and report.sessions == 1 and report.audit_ips == len(old_with_ip)


def test_a_second_run_changes_nothing_more(console_context, seeded):
    ctx = console_context
    purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    after_first = snapshot(ctx)
    second = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert second.changed == 0 and second.attachment_failures == 0
    assert snapshot(ctx) == after_first
    with ctx.sessions() as session:
        runs = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge").order_by(AuditEntry.id)).all()
    assert len(runs) == 2 and runs[0].detail["calls"] == 1 and runs[1].detail["calls"] == 0


def test_a_dry_run_counts_what_a_purge_would_do_and_changes_nothing(console_context, seeded):
    ctx = console_context
    before = snapshot(ctx)
    dry = purge(ctx.sessions, ctx.clock, ctx.desk_settings, dry_run=True)
    assert snapshot(ctx) == before and seeded.old_file.exists()
    with ctx.sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).all() == []
    real = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert dry.counts() == real.counts() and dry.calls == 1 and dry.tickets == 1


def test_nothing_is_purged_before_the_period_has_passed(console_context, seeded, desk_clock):
    ctx = console_context
    desk_clock.set(desk_clock.now() - timedelta(days=20))  # the old work is 720 days old here
    before = snapshot(ctx)
    report = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert report.calls == report.tickets == report.attachments == 0
    assert snapshot(ctx) == before


def test_a_file_that_cannot_be_deleted_keeps_its_record_for_the_next_purge(console_context, seeded, caplog):
    ctx = console_context
    seeded.old_file.unlink()
    seeded.old_file.mkdir()  # os.remove refuses a directory: a stand-in for a permission problem
    (seeded.old_file / "inside").write_text("x")
    report = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert report.attachments == 0 and report.attachment_failures == 1
    assert any(
        "could not delete the file of attachment" in r.getMessage() and str(seeded.old_file) in r.getMessage()
        for r in caplog.records
    )
    with ctx.sessions() as session:
        assert str(seeded.old_file) in session.scalars(select(Attachment.path)).all()
    assert ticket(ctx, seeded.old_closed).contact == ANONYMISED  # the rest went ahead


def test_the_purge_command_prints_the_counts_and_its_dry_run_changes_nothing(tmp_path, monkeypatch, capsys):
    """`python -m bot.console purge [--dry-run]` on a database configured as the deployment configures it."""
    from bot.clock import ManualClock
    from bot.settings import DeskSettings
    from bot.console.__main__ import main
    from bot.console.config import ConsoleSettings
    from bot.console.context import ConsoleContext

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("IPDESK_VAR_DIR", str(tmp_path / "var"))  # the conversations and logs it purges too
    monkeypatch.setenv("IPDESK_RETENTION_DAYS", "365")
    long_ago = ManualClock(datetime.now(timezone.utc) - timedelta(days=400))
    ctx = ConsoleContext.build(ConsoleSettings(), DeskSettings(database_url=url), clock=long_ago)
    ctx.accounts.create_user("wang", "王坐席", "staff", PASSWORD, actor_name="test")
    staff, _ = ctx.accounts.sign_in("wang", PASSWORD)
    call = log_call(ctx, staff, "忻州食品有限公司", "13900000001", "美国商标被抢注了怎么办")

    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "365 days" in out and "hotline calls anonymised: 1" in out
    with ctx.sessions() as session:
        assert session.get(Call, call.id).phone == "13900000001"

    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "dry run" not in out and "hotline calls anonymised: 1" in out
    with ctx.sessions() as session:
        assert session.get(Call, call.id).phone is None
    ctx.engine.dispose()


def test_past_fairs_and_former_warning_subscribers_lose_their_personal_data(console_context, desk_clock):
    from bot.desk.schema import ExhibitionRegistration, WarningSubscriber
    from bot.desk.risk_warnings import Criteria

    ctx = console_context

    def register(sender: str, starts_in: int):
        start = desk_clock.now().date() + timedelta(days=starts_in)
        return ctx.exhibitions.register(
            channel="telegram",
            sender_id=sender,
            language="zh",
            company="太原示例玻璃器皿有限公司",
            contact="13800000077",
            contact_name="王经理",
            fair_name="Ambiente",
            place="法兰克福",
            country="德国",
            starts_on=start,
            ends_on=start + timedelta(days=4),
            products="玻璃杯",
            rights_held="无",
            new_products=False,
        )

    old = register("tg:1", 5)
    ctx.exhibitions.record_outcome(old.id, "tg:1", "none", "王经理说一切顺利，回访请打 13900000000")
    ctx.warnings.subscribe("telegram", "tg:1", Criteria(("德国",)), "zh")
    ctx.warnings.unsubscribe("telegram", "tg:1", Criteria())
    ctx.warnings.subscribe("telegram", "tg:2", Criteria(("美国",)), "zh")  # still subscribed: kept however old
    desk_clock.advance(PERIOD + timedelta(days=20))
    upcoming = register("tg:3", 10)

    report = purge(ctx.sessions, ctx.clock, ctx.desk_settings)
    assert (report.exhibition_registrations, report.warning_subscribers) == (1, 1)
    with ctx.sessions() as session:
        purged = session.get(ExhibitionRegistration, old.id)
        kept = session.get(ExhibitionRegistration, upcoming.id)
        subscribers = session.scalars(select(WarningSubscriber.sender_id)).all()
    assert (purged.contact, purged.contact_name, purged.outcome_note) == (ANONYMISED, None, ANONYMISED)
    assert purged.sender_id.startswith("anonymised:") and (purged.company, purged.outcome) == (
        "太原示例玻璃器皿有限公司",
        "none",
    )
    assert kept.contact == "13800000077" and subscribers == ["tg:2"]
    assert purge(ctx.sessions, ctx.clock, ctx.desk_settings).changed == 0


def test_the_scheduler_purges_once_a_day_and_two_schedulers_change_nothing_more(
    console_context, seeded, desk_clock, tmp_path, monkeypatch
):
    from bot.processes.scheduler import Scheduler, desk_jobs

    monkeypatch.setenv("IPDESK_VAR_DIR", str(tmp_path / "var"))  # the conversations and logs it purges too
    ctx = console_context
    schedulers = [
        Scheduler(
            [job for job in desk_jobs(ctx.sessions, desk_clock, ctx.desk_settings) if job.name == "retention"],
            desk_clock,
            f"scheduler {n}",
        )
        for n in (1, 2)
    ]
    first = schedulers[0].run_due()
    assert first["retention"] > 0
    assert ticket(ctx, seeded.old_closed).contact == ANONYMISED and not seeded.old_file.exists()
    after_first = snapshot(ctx)
    assert schedulers[1].run_due() == {"retention": 0}  # the other scheduler finds nothing left to do
    assert schedulers[0].run_due() == {}  # and the first waits a day before looking again
    desk_clock.advance(timedelta(days=1))
    assert schedulers[0].run_due() == {"retention": 0}
    assert snapshot(ctx) == after_first
    assert ticket(ctx, seeded.old_open).contact == "ceo@yq-ceramics.example"  # an open case keeps its contact
