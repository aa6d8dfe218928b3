"""Importing the expert pool from a YAML or CSV file that staff keep by hand (often exported from Excel).

Every row is checked before anything is written, and every bad row comes back with its line number and what is
wrong, so one round of fixes is enough. Good rows are imported even when others are refused; each row is
written in its own savepoint, so a row is either imported whole or not at all. Rows are matched to the
experts already in the pool by e-mail, else by name, and replace what is stored.

Fields: name (required), organisation, ip_types, countries, industries (canonical vocabulary values or the
forms users type: "US" → 美国, "patent" → 专利), languages (zh, en; default zh), telegram_chat_id, phone,
email (at least one of these three), available (default yes), max_open_cases (default 3), show_name (may
enterprises see the name; default no), note, illustrative (default no). In CSV, list fields separate values
with ';' or '、'.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.desk import spreadsheets
from bot.clock import SystemClock, require_aware
from bot.desk.schema import Expert
from knowledge.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

FIELDS = (
    "name",
    "organisation",
    "ip_types",
    "countries",
    "industries",
    "languages",
    "telegram_chat_id",
    "phone",
    "email",
    "available",
    "max_open_cases",
    "show_name",
    "note",
    "illustrative",
)
LIST_FIELDS = {"ip_types": "ip_type", "countries": "country", "industries": "industry"}
LANGUAGES = ("zh", "en")
DEFAULT_MAX_OPEN_CASES = 3
TEXT_LIMITS = {"name": 100, "organisation": 200, "note": 2000}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{7,25}$")
_TELEGRAM_ID = re.compile(r"^-?\d{1,20}$")


@dataclass
class ImportReport:
    path: Path
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[spreadsheets.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_experts(
    session: Session,
    path: Path | str,
    *,
    now: datetime | None = None,
    vocabulary: Vocabulary | None = None,
) -> ImportReport:
    """Import the experts in `path` (.yml/.yaml or .csv) into the caller's transaction; the caller commits."""
    path = Path(path)
    now = require_aware(now) if now is not None else SystemClock().now()
    vocabulary = vocabulary or load_vocabulary()
    report = ImportReport(path)
    try:
        rows = list(spreadsheets.read_rows(path, FIELDS, required="name", noun="expert"))
    except spreadsheets.FileError as error:
        report.errors.append(spreadsheets.RowError(error.line, None, error.reason))
        return report

    checked: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in rows:
        values, problems = _check_row(raw, vocabulary)
        name = values.get("name") or (str(raw.get("name")).strip() if raw.get("name") else None)
        if not problems:
            identity = ("email", values["email"]) if values.get("email") else ("name", values["name"])
            if identity in seen:
                problems.append(f"the same {'e-mail' if identity[0] == 'email' else 'name'} as line {seen[identity]}")
            else:
                seen[identity] = line
        if problems:
            report.errors.append(spreadsheets.RowError(line, name, "; ".join(problems)))
        else:
            checked.append((line, values))

    for line, values in checked:
        try:
            with session.begin_nested():
                created = _upsert(session, values, now)
        except _RowConflict as conflict:
            report.errors.append(spreadsheets.RowError(line, values["name"], str(conflict)))
            continue
        except SQLAlchemyError as error:
            log.error("importing %s line %d (%s) failed: %s", path, line, values["name"], error)
            report.errors.append(
                spreadsheets.RowError(line, values["name"], f"could not be stored: {error.__class__.__name__}: {error}")
            )
            continue
        (report.created if created else report.updated).append(values["name"])
    report.errors.sort(key=lambda refused: refused.line)
    for refused in report.errors:
        log.warning("%s: %s", path, refused)
    return report


class _RowConflict(Exception):
    """The row cannot be matched to one stored expert."""


def _check_row(raw: dict[str, Any], vocabulary: Vocabulary) -> tuple[dict[str, Any], list[str]]:
    """The row's clean values and the problems found (empty when the row can be imported)."""
    shape = spreadsheets.shape_problem(raw, "expert")
    if shape:
        return {}, [shape]
    problems: list[str] = []
    values: dict[str, Any] = {}
    unknown = [str(key) for key in raw if key not in FIELDS]
    if unknown:
        problems.append(f"unknown field(s) {', '.join(map(repr, unknown))}")

    for key, limit in TEXT_LIMITS.items():
        value = spreadsheets.text(raw.get(key))
        if value and len(value) > limit:
            problems.append(f"{key} has {len(value)} characters, more than {limit}")
        values[key] = value
    if not values["name"]:
        problems.append("name is missing")

    for key, entity in LIST_FIELDS.items():
        canonical = []
        for item in spreadsheets.items(raw.get(key)):
            value = vocabulary.canonical(entity, item)
            if value is None:
                problems.append(f"{key}: {item!r} is not a known {entity} (see knowledge/data/vocabulary.yml)")
            elif value not in canonical:
                canonical.append(value)
        values[key] = canonical
    if not values["ip_types"]:
        problems.append("ip_types is missing: list at least one IP type")

    languages = [item.lower() for item in spreadsheets.items(raw.get("languages"))] or ["zh"]
    wrong = [item for item in languages if item not in LANGUAGES]
    if wrong:
        problems.append(f"languages: {', '.join(map(repr, wrong))} not supported; use zh and/or en")
    values["languages"] = list(dict.fromkeys(languages))

    for key, default in (("available", True), ("show_name", False), ("illustrative", False)):
        flag = spreadsheets.flag(raw.get(key), default)
        if flag is None:
            problems.append(f"{key}: {raw.get(key)!r} is not yes/no")
        values[key] = flag

    cap = raw.get("max_open_cases", DEFAULT_MAX_OPEN_CASES)
    if isinstance(cap, str) and cap.strip().isdigit():
        cap = int(cap.strip())
    if isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0:
        problems.append(f"max_open_cases: {cap!r} is not a positive whole number")
    values["max_open_cases"] = cap

    email = spreadsheets.text(raw.get("email"))
    if email and not _EMAIL.match(email):
        problems.append(f"email: {email!r} is not an e-mail address")
    values["email"] = email.lower() if email else None
    phone = spreadsheets.text(raw.get("phone"))
    if phone and (not _PHONE.match(phone) or len(re.sub(r"\D", "", phone)) < 7):
        problems.append(f"phone: {phone!r} is not a phone number")
    values["phone"] = phone
    chat = spreadsheets.text(raw.get("telegram_chat_id"))
    if chat and not _TELEGRAM_ID.match(chat):
        problems.append(f"telegram_chat_id: {chat!r} is not a numeric Telegram chat id")
    values["telegram_chat_id"] = chat
    if not (email or phone or chat):
        problems.append("no way to reach the expert: give an email, a phone or a telegram_chat_id")
    return values, problems


def _upsert(session: Session, values: dict[str, Any], now: datetime) -> bool:
    """Store the row over the matching expert (by e-mail, else by name); True when the expert is new."""
    if values["email"]:
        matches = session.scalars(select(Expert).where(Expert.email == values["email"])).all()
    else:
        matches = session.scalars(select(Expert).where(Expert.name == values["name"])).all()
        if len(matches) > 1:
            raise _RowConflict(
                f"{len(matches)} experts in the pool are named {values['name']}; "
                "add the e-mail to say which one this row is"
            )
    expert = matches[0] if matches else Expert(created_at=now)
    for key, value in values.items():
        setattr(expert, key, value)
    expert.updated_at = now
    session.add(expert)
    session.flush()
    return not matches


SAMPLE_POOL = Path(__file__).parent / "data" / "experts.yml"


def seed_sample_pool(session: Session) -> ImportReport | None:
    """Give an empty desk the illustrative sample pool, so `make run` can route a case end to end.

    A desk that has any expert is left alone: a real pool is never mixed with the samples.
    """
    if session.scalar(select(func.count()).select_from(Expert)):
        return None
    return import_experts(session, SAMPLE_POOL)
