"""Trade fairs abroad: measure 5's whole-chain service (展前、展中、展后) for an enterprise that registers its fair.

Registering (in the chat) stores the fair and schedules its notices, in Beijing time:

| stage        | sent                          | skipped when it would come after                      |
| ------------ | ----------------------------- | ----------------------------------------------------- |
| week_before  | 7 days before opening, 09:00  | the day-before reminder's time                        |
| day_before   | the day before opening, 09:00 | the fair's opening (on-site notice time)              |
| on_site      | the opening day, 08:00        | the end of the fair's last day                        |
| after        | the day after closing, 10:00  | 30 days after closing (the question would be stale)   |

A reminder whose time has already passed when the fair is registered is skipped: the enterprise has just had the
checklist. The scheduler (`due_notices`) sends each notice once, whatever number of schedulers run: a notice is
claimed by a conditional update in the transaction that queues its outbox message (key `exhibition:<id>:<stage>`).

Before the fair the enterprise can ask for training (staff are alerted through the outbox, once) and an expert's risk
screening (a desk ticket, once). After it, the outcome is recorded, and a dispute becomes a desk ticket linked to the
registration for follow-up.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, require_aware
from bot.settings import DeskSettings
from bot.contracts import FairNotice, MessageKind
from bot.desk.cleaning import DeskError, normalise_contact
from bot.desk.tickets import Desk
from bot.desk.schema import EXHIBITION_OUTCOMES, ExhibitionNotice, ExhibitionRegistration, Ticket
from bot.desk.outbox import enqueue
from knowledge.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

KIND: MessageKind = "exhibition_notice"
STAGE_LABELS = {
    "week_before": "展前一周提醒",
    "day_before": "展前一天提醒",
    "on_site": "开幕日驻会联系",
    "after": "展后回访",
}
NOTICE_TIMES = {"week_before": (-7, time(9, 0)), "day_before": (-1, time(9, 0)), "on_site": (0, time(8, 0))}
AFTER_TIME = (1, time(10, 0))
FOLLOW_UP_WINDOW = timedelta(days=30)
LIMITS = {"company": 200, "fair_name": 200, "place": 200, "products": 2000, "rights_held": 2000, "contact_name": 100}


#: An answer to "how did the fair go?" that says there was no trouble ("一切顺利", "没有", "no").
_NO_TROUBLE = re.compile(
    r"^\s*(?:没有|没|无|一切顺利|很顺利|顺利|都挺好|挺好|还好|都好|(?:no|none|nothing|all fine|fine|all good|"
    r"went well)(?![A-Za-z]))",
    re.IGNORECASE,
)
#: Words that report trouble at a fair: a complaint, an injunction, a raid, a seizure, a warning letter, a suit.
_TROUBLE = re.compile(
    r"投诉|禁令|查抄|查扣|扣押|扣留|撤展|警告函|律师函|起诉|被诉|诉讼|传票|纠纷|侵权|执行员|警察|海关|"
    r"complain|injunction|raid|seiz|detain|warning letter|cease|sued|lawsuit|dispute|infring|bailiff|"
    r"police|customs",
    re.IGNORECASE,
)


def outcome_of(answer: str) -> str:
    """ "case" when the answer to "how did the fair go?" reports an IP dispute, else "none". An answer that opens by
    saying all went well is "none" even if it names a dispute word ("没有遇到纠纷")."""
    if _NO_TROUBLE.match(answer or ""):
        return "none"
    return "case" if _TROUBLE.search(answer or "") else "none"


class ExhibitionError(ValueError):
    """A registration the service refuses, or one that is not the asker's; `code` as in `DeskError`."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FairGroup:
    """One fair as the console lists it, with the enterprises registered for it."""

    fair_name: str
    place: str
    country: str | None
    starts_on: date
    ends_on: date
    registrations: list[ExhibitionRegistration] = field(default_factory=list)


class Exhibitions:
    def __init__(
        self,
        sessions: sessionmaker,
        clock: Clock,
        settings: DeskSettings,
        desk: Desk,
        *,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.desk = desk
        self.vocabulary = vocabulary or desk.vocabulary or load_vocabulary()

    @property
    def zone(self) -> Any:
        return self.settings.hours.zone

    def today(self, now: datetime | None = None) -> date:
        return require_aware(now or self.clock.now()).astimezone(self.zone).date()

    # Registering ----------------------------------------------------------------------------------------------

    def register(
        self,
        *,
        channel: str,
        sender_id: str,
        language: str,
        company: str,
        contact: str,
        fair_name: str,
        place: str,
        country: str | None,
        starts_on: date,
        ends_on: date,
        products: str,
        rights_held: str,
        new_products: bool,
        contact_name: str | None = None,
    ) -> ExhibitionRegistration:
        """Store the registration and schedule its notices in one transaction."""
        now = self.clock.now()
        if ends_on < starts_on:
            raise ExhibitionError("the fair ends before it starts")
        if ends_on < self.today(now):
            raise ExhibitionError(f"the fair ended on {ends_on.isoformat()}")
        values = {
            "company": company,
            "fair_name": fair_name,
            "place": place,
            "products": products,
            "rights_held": rights_held,
            "contact_name": contact_name,
        }
        for name, value in values.items():
            if value is not None and len(value) > LIMITS[name]:
                raise ExhibitionError(f"{name} has {len(value)} characters, more than {LIMITS[name]}")
            if (value is None and name != "contact_name") or (value is not None and not value.strip()):
                raise ExhibitionError(f"{name} is required")
        try:
            contact = normalise_contact(contact)
        except DeskError as error:
            raise ExhibitionError(str(error)) from error
        registration = ExhibitionRegistration(
            channel=channel[:32],
            sender_id=str(sender_id)[:128],
            language="en" if language == "en" else "zh",
            contact=contact,
            country=country,
            starts_on=starts_on,
            ends_on=ends_on,
            new_products=bool(new_products),
            created_at=now,
            updated_at=now,
            **{k: v.strip() if v else v for k, v in values.items()},
        )
        with self.sessions.begin() as session:
            session.add(registration)
            session.flush()
            for stage, due, stale in self.schedule(starts_on, ends_on):
                notice = ExhibitionNotice(registration_id=registration.id, stage=stage, due_at=due, stale_at=stale)
                if now >= stale or (stage in ("week_before", "day_before") and now >= due):
                    notice.skipped_at, notice.skip_reason = (
                        now,
                        "registered after its time; the checklist was given then",
                    )
                session.add(notice)
        log.info(
            "exhibitions: %s:%s registered %s (%s, %s to %s) as %s",
            channel,
            sender_id,
            fair_name,
            place,
            starts_on,
            ends_on,
            registration.id,
        )
        return registration

    def schedule(self, starts_on: date, ends_on: date) -> list[tuple[str, datetime, datetime]]:
        """(stage, when it is due, when it would be too late) for a fair of these dates; see the module's table."""

        def at(day: date, moment: time) -> datetime:
            return datetime.combine(day, moment, tzinfo=self.zone)

        due = {
            stage: at(starts_on + timedelta(days=offset), moment) for stage, (offset, moment) in NOTICE_TIMES.items()
        }
        due["after"] = at(ends_on + timedelta(days=AFTER_TIME[0]), AFTER_TIME[1])
        stale = {
            "week_before": due["day_before"],
            "day_before": due["on_site"],
            "on_site": at(ends_on + timedelta(days=1), time(0, 0)),
            "after": due["after"] + FOLLOW_UP_WINDOW,
        }
        return [(stage, due[stage], stale[stage]) for stage in ("week_before", "day_before", "on_site", "after")]

    # What the enterprise asks for --------------------------------------------------------------------------------

    def of_sender(self, registration_id: int, sender_id: str) -> ExhibitionRegistration:
        """A registration of this conversation; any other is as good as missing (ids are easy to guess)."""
        with self.sessions() as session:
            return self._own(session, registration_id, sender_id)

    def latest_of_sender(self, sender_id: str) -> ExhibitionRegistration | None:
        with self.sessions() as session:
            return session.scalars(
                select(ExhibitionRegistration)
                .where(ExhibitionRegistration.sender_id == str(sender_id))
                .order_by(ExhibitionRegistration.created_at.desc(), ExhibitionRegistration.id.desc())
            ).first()

    def request_training(self, registration_id: int, sender_id: str) -> tuple[ExhibitionRegistration, bool]:
        """Ask for pre-show training: staff are alerted once; (the registration, whether this was the first ask)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            registration = self._own(session, registration_id, sender_id)
            first = (
                session.execute(
                    update(ExhibitionRegistration)
                    .where(
                        ExhibitionRegistration.id == registration.id,
                        ExhibitionRegistration.training_requested_at.is_(None),
                    )
                    .values(training_requested_at=now, updated_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if first:
                text = (
                    f"展前培训申请：{registration.company}（{registration.fair_name}，{registration.place}，"
                    f"{registration.starts_on:%Y-%m-%d}开幕），请联系企业安排展前培训。"
                )
                enqueue(
                    session,
                    self.settings.staff_channel,
                    self.settings.staff_recipient,
                    "staff_alert",
                    {"text": text, "exhibition": registration.id, "priority": "normal"},
                    f"exhibition:{registration.id}:training",
                    now=now,
                )
            session.refresh(registration)
        return registration, first

    def request_screening(self, registration_id: int, sender_id: str) -> tuple[ExhibitionRegistration, Ticket | None]:
        """Ask an expert to screen the exhibits: a desk ticket, opened once (asking again gives the same number).
        The ticket is None when one was opened before (its number is on the registration)."""
        registration = self.of_sender(registration_id, sender_id)
        if registration.screening_ticket:
            return registration, None

        def link(session: Session, ticket: Ticket) -> None:
            won = (
                session.execute(
                    update(ExhibitionRegistration)
                    .where(
                        ExhibitionRegistration.id == registration.id, ExhibitionRegistration.screening_ticket.is_(None)
                    )
                    .values(screening_ticket=ticket.number, updated_at=ticket.created_at)
                    .execution_options(synchronize_session=False)
                ).rowcount
                == 1
            )
            if not won:
                raise _AlreadyDone()

        found = {
            entity: value
            for entity, value, _, _ in reversed(
                self.vocabulary.find(f"{registration.rights_held} {registration.products}")
            )
        }
        try:
            ticket = self.desk.open_ticket(
                channel=registration.channel,
                sender_id=registration.sender_id,
                company=registration.company,
                contact=registration.contact,
                contact_name=registration.contact_name,
                description=self.screening_request(registration),
                country=registration.country,
                ip_type=found.get("ip_type"),
                industry=found.get("industry"),
                priority="normal",
                language=registration.language,
                on_opened=link,  # type: ignore[arg-type]
            )
        except _AlreadyDone:
            return self.of_sender(registration_id, sender_id), None
        log.info("exhibitions: registration %s asked for risk screening: ticket %s", registration.id, ticket.number)
        return self.of_sender(registration_id, sender_id), ticket

    @staticmethod
    def screening_request(registration: ExhibitionRegistration) -> str:
        """What the expert reads on the screening ticket."""
        return (
            f"展前风险排查申请（《实施意见》第（五）条）\n展会：{registration.fair_name}（{registration.place}），"
            f"{registration.starts_on:%Y-%m-%d} 至 {registration.ends_on:%Y-%m-%d}\n展品：{registration.products}\n"
            f"在当地已有的知识产权：{registration.rights_held}\n是否展出新品：{'是' if registration.new_products else '否'}"
        )

    def record_outcome(
        self, registration_id: int, sender_id: str, outcome: str, note: str | None
    ) -> ExhibitionRegistration:
        """How the fair went: "none" (no dispute) or "case" (a dispute, to be escalated and linked)."""
        if outcome not in EXHIBITION_OUTCOMES:
            raise ExhibitionError(f"outcome must be one of {', '.join(EXHIBITION_OUTCOMES)}")
        now = self.clock.now()
        with self.sessions.begin() as session:
            registration = self._own(session, registration_id, sender_id, lock=True)
            registration.outcome, registration.outcome_note, registration.outcome_at = outcome, note, now
            registration.updated_at = now
        log.info("exhibitions: registration %s outcome %s", registration_id, outcome)
        return registration

    def link_case(self, registration_id: int, sender_id: str, number: str) -> ExhibitionRegistration:
        """The ticket opened for a dispute at the fair, kept on the registration for the post-show follow-up."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            registration = self._own(session, registration_id, sender_id, lock=True)
            registration.case_ticket, registration.outcome = number, "case"
            registration.outcome_at = registration.outcome_at or now
            registration.updated_at = now
        return registration

    def onsite_contact(self, registration: ExhibitionRegistration) -> str | None:
        """Who to reach at the fair: the contact staff set for it, else the deployment's (IPDESK_DESK_FAIR_CONTACT)."""
        return registration.onsite_contact or self.settings.fair_contact

    # The scheduler's job ----------------------------------------------------------------------------------------

    def due_notices(self, now: datetime | None = None) -> list[str]:
        """Queue every notice that is due, once; skip those that would come too late. The outbox keys queued."""
        now = require_aware(now) if now is not None else self.clock.now()
        with self.sessions() as session:
            due = session.execute(
                select(ExhibitionNotice.id, ExhibitionNotice.stale_at)
                .where(
                    ExhibitionNotice.sent_at.is_(None),
                    ExhibitionNotice.skipped_at.is_(None),
                    ExhibitionNotice.due_at <= now,
                )
                .order_by(ExhibitionNotice.due_at, ExhibitionNotice.id)
            ).all()
        queued = []
        for notice_id, stale_at in due:
            still_open = (
                ExhibitionNotice.id == notice_id,
                ExhibitionNotice.sent_at.is_(None),
                ExhibitionNotice.skipped_at.is_(None),
            )
            with self.sessions.begin() as session:
                if now >= stale_at:
                    session.execute(
                        update(ExhibitionNotice)
                        .where(*still_open)
                        .values(skipped_at=now, skip_reason="its time had passed when the scheduler ran")
                        .execution_options(synchronize_session=False)
                    )
                    continue
                claimed = (
                    session.execute(
                        update(ExhibitionNotice)
                        .where(*still_open)
                        .values(sent_at=now)
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    == 1
                )
                if not claimed:
                    continue  # another scheduler took it
                notice = session.get(ExhibitionNotice, notice_id)
                registration = session.get(ExhibitionRegistration, notice.registration_id)
                if notice.stage == "after" and registration.outcome is not None:
                    notice.sent_at, notice.skipped_at = None, now
                    notice.skip_reason = "the enterprise already told us how the fair went"
                    continue
                key = f"exhibition:{registration.id}:{notice.stage}"
                payload: FairNotice = {
                    "exhibition": registration.id,
                    "stage": notice.stage,
                    "language": registration.language,
                    "fair": registration.fair_name,
                }
                enqueue(session, registration.channel, registration.sender_id, KIND, payload, key, now=now)
                queued.append(key)
        if queued:
            log.info("exhibitions: notices queued: %s", ", ".join(queued))
        return queued

    # The console ------------------------------------------------------------------------------------------------

    def fairs(self, *, past: bool = False, limit: int = 500) -> list[FairGroup]:
        """Fairs with their registered enterprises: upcoming and under way (soonest first), or past (latest first).
        Registrations are one fair when they give the same name (ignoring case and spaces) and opening day."""
        today = self.today()
        statement = select(ExhibitionRegistration).limit(limit)
        if past:
            statement = statement.where(ExhibitionRegistration.ends_on < today).order_by(
                ExhibitionRegistration.starts_on.desc(), ExhibitionRegistration.id
            )
        else:
            statement = statement.where(ExhibitionRegistration.ends_on >= today).order_by(
                ExhibitionRegistration.starts_on, ExhibitionRegistration.id
            )
        with self.sessions() as session:
            registrations = session.scalars(statement).all()
        groups: dict[tuple[str, date], FairGroup] = {}
        for registration in registrations:
            key = ("".join(registration.fair_name.split()).casefold(), registration.starts_on)
            group = groups.setdefault(
                key,
                FairGroup(
                    registration.fair_name,
                    registration.place,
                    registration.country,
                    registration.starts_on,
                    registration.ends_on,
                ),
            )
            group.registrations.append(registration)
        return list(groups.values())

    def notices(self, registration_ids: Iterable[int]) -> dict[int, list[ExhibitionNotice]]:
        ids = list(registration_ids)
        if not ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(
                select(ExhibitionNotice)
                .where(ExhibitionNotice.registration_id.in_(ids))
                .order_by(ExhibitionNotice.due_at)
            ).all()
        found: dict[int, list[ExhibitionNotice]] = {i: [] for i in ids}
        for row in rows:
            found[row.registration_id].append(row)
        return found

    def set_onsite_contact(
        self,
        registration_ids: Iterable[int],
        contact: str | None,
        *,
        on_change: Callable[[Session, list[int]], None] | None = None,
    ) -> int:
        """Set (or clear, with None) the on-site contact of these registrations; how many were changed."""
        ids = list(registration_ids)
        now = self.clock.now()
        with self.sessions.begin() as session:
            changed = (
                session.execute(
                    update(ExhibitionRegistration)
                    .where(ExhibitionRegistration.id.in_(ids))
                    .values(onsite_contact=contact, updated_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if ids
                else 0
            )
            if on_change is not None and changed:
                on_change(session, ids)
        return changed

    # Internals -------------------------------------------------------------------------------------------------

    @staticmethod
    def _own(session: Session, registration_id: int, sender_id: str, *, lock: bool = False) -> ExhibitionRegistration:
        statement = select(ExhibitionRegistration).where(
            ExhibitionRegistration.id == registration_id, ExhibitionRegistration.sender_id == str(sender_id)
        )
        registration = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
        if registration is None:
            raise ExhibitionError(f"no registration {registration_id} of this conversation", "not_found")
        return registration


class _AlreadyDone(Exception):
    """Another request opened the screening ticket first: this one's ticket is rolled back."""
