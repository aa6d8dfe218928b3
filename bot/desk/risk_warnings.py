"""Warnings (预警) and the subscriptions that bring them to enterprises: measures 5, 8 and 9 of the policy.

Staff publish a warning from the console or an import file. Publishing queues it, in the same transaction, for every
subscriber one of whose subscriptions matches: one `WarningDelivery` and one outbox message per subscriber (key
`warning:<warning>:<subscriber>`), however many of their subscriptions match, so nobody gets a warning twice. Editing
a current warning queues it for the subscribers it now matches that did not have it; a sample (illustrative) warning
is never pushed. The channel workers deliver the outbox into each subscriber's conversation, where it is cited as
`warning:<id>`.

Matching, the same for pushes and for "最近有什么关于德国的预警":
- a subscription (or a question) names countries, industries, IP types and/or products; every kind it names must
  match, and any one value of a kind is enough;
- a warning that names no country (industry, IP type) concerns them all;
- regions and families count both ways (bot.desk.matching): a German matter concerns an EU subscriber and an EU-wide
  warning concerns a German one; a 专利 subscriber hears of 外观设计 warnings;
- a product matches a product the warning names, or its title, in either direction ("滑板车" and "电动滑板车").

A subscriber whose Telegram chat blocked the bot is marked blocked when a delivery is refused (`mark_blocked`, called
by the outbox worker in the transaction that gives the message up), its other pending warnings are given up with it,
and it is left out of later pushes until the chat takes messages again: it subscribes again, or it writes to the bot
and is answered (`chat_open`, called by the Telegram worker).
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.desk import spreadsheets
from bot.desk.clock import Clock, require_aware
from bot.settings import DeskSettings
from bot.desk.db import dialect_insert
from bot.desk.fields import FieldError, FormError, clean_text, strip_control
from bot.desk.matching import IP_FAMILIES, REGIONS, related
from bot.desk.models import OutboxMessage, RiskWarning, WarningDelivery, WarningSubscriber, WarningSubscription
from bot.desk.outbox import enqueue
from knowledge import Language, Localized
from knowledge.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

#: The outbox kind of a pushed warning, and the prefix of the ids replies cite.
KIND = "warning"
SOURCE_PREFIX = "warning:"
MAX_TITLE = 200
MAX_TEXT = 8_000
MAX_SOURCE = 300
MAX_PRODUCT = 60
MAX_PRODUCTS = 20
#: The kinds a warning and a subscription are described by: field, vocabulary entity, the families that relate values.
DIMENSIONS: tuple[tuple[str, str, Mapping[str, frozenset[str]]], ...] = (
    ("countries", "country", REGIONS),
    ("industries", "industry", {}),
    ("ip_types", "ip_type", IP_FAMILIES),
)
IMPORT_FIELDS = ("title", "text", "title_en", "text_en", "countries", "industries", "ip_types", "products", "source",
                 "published_on", "valid_until", "illustrative")
FIELD_LABELS = {
    "title": "标题", "text": "正文", "title_en": "英文标题", "text_en": "英文正文", "countries": "国家/地区",
    "industries": "行业", "ip_types": "知识产权类型", "products": "产品", "source": "来源", "published_on": "发布日期",
    "valid_until": "有效期至", "illustrative": "示例",
}
#: The illustrative sample warnings an empty desk starts with (never pushed; shown as 示例).
SAMPLES = Path(__file__).parent / "data" / "warnings.yml"
ILLUSTRATIVE = Localized("【示例，非真实预警】", "[Illustrative sample, not a real warning] ")

#: What staff see happen to a warning's deliveries; `queued` covers messages waiting and being sent.
DELIVERY_STATES = ("queued", "sent", "failed", "blocked")
_OUTBOX_STATE = {"pending": "queued", "sending": "queued", "sent": "sent", "dead": "failed"}


class OnChange(Protocol):
    def __call__(self, session: Session, warning: RiskWarning, action: str, detail: dict[str, Any]) -> None:
        """Record a change (the console's audit trail) in the transaction that makes it."""


# ----------------------------------------------------------------------------------------------------------------
# What a subscription or a question is about


@dataclass(frozen=True)
class Criteria:
    """What a subscriber wants to hear about, or what a question asks about: canonical vocabulary values and free-text
    products. `everything` is a subscription to all warnings, asked for on purpose ("全部")."""

    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ip_types: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    everything: bool = False

    @property
    def empty(self) -> bool:
        """Nothing named, and not "all" either: the chat asks what to subscribe to."""
        return not self.named and not self.everything

    @property
    def named(self) -> bool:
        return bool(self.countries or self.industries or self.ip_types or self.products)

    def merged(self, other: "Criteria") -> "Criteria":
        return Criteria(*(tuple(dict.fromkeys((*getattr(self, name), *getattr(other, name))))
                          for name in ("countries", "industries", "ip_types", "products")),
                        everything=self.everything or other.everything)

    @classmethod
    def of(cls, row: Any) -> "Criteria":
        """The criteria a subscription row stores (no criteria there means all warnings)."""
        criteria = cls(tuple(row.countries or ()), tuple(row.industries or ()), tuple(row.ip_types or ()),
                       tuple(row.products or ()))
        return criteria if criteria.named else cls(everything=True)

    def describe(self, language: Language, vocabulary: Vocabulary) -> str:
        """"美国、德国 / 机械装备 / 专利 / 产品：电动滑板车" — or "全部预警"."""
        if not self.named:
            return "all warnings" if language == "en" else "全部预警"
        parts = [("、" if language == "zh" else ", ").join(vocabulary.label(entity, value, language)
                                                           for value in getattr(self, name))
                 for name, entity, _ in DIMENSIONS if getattr(self, name)]
        if self.products:
            parts.append(("products: " if language == "en" else "产品：") + ("、" if language == "zh" else ", ").join(self.products))
        return " / ".join(parts)

    def same_as(self, other: "Criteria") -> bool:
        return all(sorted(getattr(self, name)) == sorted(getattr(other, name))
                   for name in ("countries", "industries", "ip_types", "products")) and self.named == other.named


_EVERYTHING = re.compile(r"全部|所有|一切|不限|(?<![A-Za-z])(?:all|every|everything)(?![A-Za-z])", re.IGNORECASE)
_PRODUCTS_LISTED = re.compile(r"(?:产品|(?<![A-Za-z])products?)\s*[:：]\s*([^。！？!?\n]+)", re.IGNORECASE)
_PRODUCT_NAMED = re.compile(r"([\u4e00-\u9fffA-Za-z0-9\-]{2,40}?)(?:类|等)?产品")
_PRODUCT_SEPARATORS = re.compile(r"[、,，;；/]|(?<![A-Za-z])and(?![A-Za-z])", re.IGNORECASE)
#: What leads up to a product's name in "订阅电动滑板车产品的预警": everything up to the last of these is not the product.
_LEAD_IN = re.compile(r"^.*(?:订阅|订|关于|有关|针对|关注|推送|给我|我们的|我们|我司|本公司|公司的|的)")
_NOT_PRODUCTS = {"相关", "这类", "这些", "出口", "全部", "所有", "各类", "有关", "中国", "我们", "本公司", "其他"}


def parse_criteria(text: str, vocabulary: Vocabulary) -> Criteria:
    """The criteria named in what a user typed: "订阅美国 机械 专利预警", "帮我订阅德国那边电子产品的外观设计预警",
    "产品：电动滑板车、无人机", "Subscribe me to EU solar alerts", "全部预警".

    Countries, industries and IP types are the vocabulary's values in any of the forms users type (`Vocabulary.find`).
    Products are free text, so they are taken only where the user says they are products ("产品：…", "…产品"): a
    guess from leftover words would store "那边" as a product.
    """
    text = strip_control(text or "")
    spans = vocabulary.find(text)
    found: dict[str, list[str]] = {}
    for entity, value, _, _ in spans:
        values = found.setdefault(entity, [])
        if value not in values:
            values.append(value)
    # Products are looked for in the text without the vocabulary's words ("电子产品" is an industry, not a product).
    rest = list(text)
    for _, _, start, end in spans:
        rest[start:end] = " " * (end - start)
    remainder = "".join(rest)
    products: list[str] = []
    listed = _PRODUCTS_LISTED.search(remainder)
    if listed:
        candidates = _PRODUCT_SEPARATORS.split(listed.group(1))
    else:
        candidates = [_LEAD_IN.sub("", match.group(1)) for match in _PRODUCT_NAMED.finditer(remainder)]
    for candidate in candidates:
        name = re.sub(r"(?:的|等)?(?:预警|风险提示|warnings?|alerts?)$", "", candidate.strip(), flags=re.IGNORECASE).strip()
        if 2 <= len(name) <= MAX_PRODUCT and name not in _NOT_PRODUCTS and name not in products:
            products.append(name)
    criteria = Criteria(tuple(found.get("country", ())), tuple(found.get("industry", ())),
                        tuple(found.get("ip_type", ())), tuple(products))
    if not criteria.named and _EVERYTHING.search(text):
        return Criteria(everything=True)
    return criteria


def criteria_from_entities(entities: Mapping[str, Iterable[str]]) -> Criteria:
    """Criteria from the NLU's canonical entities (entity → values)."""
    return Criteria(tuple(entities.get("country", ())), tuple(entities.get("industry", ())),
                    tuple(entities.get("ip_type", ())))


def matches(warning: Any, criteria: Criteria) -> bool:
    """Whether `warning` (a RiskWarning or a draft) concerns what `criteria` ask about (see the module's rules)."""
    for name, _, families in DIMENSIONS:
        wanted, named = getattr(criteria, name), getattr(warning, name) or ()
        if wanted and named and not any(related(w, n, families) for w in wanted for n in named):
            return False
    if criteria.products:
        haystacks = [p.casefold() for p in warning.products or ()]
        titles = [t.casefold() for t in (warning.title, getattr(warning, "title_en", None)) if t]
        if not any(product.casefold() in hay or hay in product.casefold() for product in criteria.products
                   for hay in haystacks) and not any(product.casefold() in title for product in criteria.products
                                                     for title in titles):
            return False
    return True


# ----------------------------------------------------------------------------------------------------------------
# What staff type


class WarningFormError(FormError):
    """What is wrong with a warning as typed (the console's form, an import row)."""


@dataclass(frozen=True)
class WarningDraft:
    """A warning as staff typed it, checked and in canonical form."""

    title: str
    text: str
    source: str
    published_on: date
    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ip_types: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    title_en: str | None = None
    text_en: str | None = None
    valid_until: date | None = None
    illustrative: bool = False

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, vocabulary: Vocabulary, today: date) -> "WarningDraft":
        """Check every field; lists may be lists or text separated by 、 ; or commas; dates ISO (2026-12-05)."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}

        def text(name: str, limit: int, *, required: bool) -> None:
            raw = spreadsheets.text(values.get(name))
            clean[name] = None
            if raw is None:
                if required:
                    errors[name] = f"请填写{FIELD_LABELS[name]}"
                return
            try:
                clean[name] = clean_text(raw, max_length=limit, what=(FIELD_LABELS[name], name))
            except FieldError as error:
                errors[name] = error.zh

        text("title", MAX_TITLE, required=True)
        text("text", MAX_TEXT, required=True)
        text("source", MAX_SOURCE, required=True)
        text("title_en", MAX_TITLE, required=False)
        text("text_en", MAX_TEXT, required=False)
        if bool(clean["title_en"]) != bool(clean["text_en"]) and not {"title_en", "text_en"} & errors.keys():
            errors["title_en" if not clean["title_en"] else "text_en"] = "英文标题和英文正文要么都填，要么都不填"
        for name, entity, _ in DIMENSIONS:
            canonical, unknown = [], []
            for item in spreadsheets.items(values.get(name)):
                value = vocabulary.canonical(entity, item)
                if value is None:
                    unknown.append(item)
                elif value not in canonical:
                    canonical.append(value)
            if unknown:
                errors[name] = f"不认识的{FIELD_LABELS[name]}：{'、'.join(unknown)}（可用的值见 knowledge/data/vocabulary.yml）"
            clean[name] = tuple(canonical)
        products = list(dict.fromkeys(p for p in (strip_control(item).strip() for item in spreadsheets.items(values.get("products")))
                                      if p))
        if len(products) > MAX_PRODUCTS:
            errors["products"] = f"产品最多 {MAX_PRODUCTS} 个"
        elif any(len(p) > MAX_PRODUCT for p in products):
            errors["products"] = f"每个产品名称不超过 {MAX_PRODUCT} 个字"
        clean["products"] = tuple(products)
        clean["published_on"] = _date(values.get("published_on"), "published_on", errors) or today
        clean["valid_until"] = _date(values.get("valid_until"), "valid_until", errors)
        if "published_on" not in errors and clean["published_on"] > today:
            errors["published_on"] = "发布日期不能晚于今天"
        if clean["valid_until"] is not None and "valid_until" not in errors:
            if clean["valid_until"] < clean["published_on"]:
                errors["valid_until"] = "有效期不能早于发布日期"
            elif clean["valid_until"] < today:
                errors["valid_until"] = "有效期已过：已到期的预警不会再推送，也不会出现在查询结果里"
        illustrative = spreadsheets.flag(values.get("illustrative"), False)
        if illustrative is None:
            errors["illustrative"] = "请填写 是/否"
        clean["illustrative"] = bool(illustrative)
        if errors:
            raise WarningFormError(errors)
        return cls(**clean)


def _date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = spreadsheets.text(value)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{FIELD_LABELS[name]}的格式应为 2026-12-05"
        return None


# ----------------------------------------------------------------------------------------------------------------
# What the chat and the console show


def warning_text(warning: RiskWarning, language: Language, vocabulary: Vocabulary, *, full: bool) -> str:
    """A warning as a reply shows it: its id, title, text (the first lines unless `full`), what it concerns, its
    source and how long it is current. English readers get the English text when staff wrote one."""
    english = language == "en"
    title = (warning.title_en if english and warning.title_en else warning.title)
    body = (warning.text_en if english and warning.text_en else warning.text)
    if not full and len(body) > 120:
        body = body[:119].rstrip() + "…"
    lead = (ILLUSTRATIVE.get(language) if warning.illustrative else "") + (
        f"[Warning {SOURCE_PREFIX}{warning.id}] " if english else f"【预警 {SOURCE_PREFIX}{warning.id}】")
    if english and not warning.title_en:
        title += " (in Chinese)"
    concerns = Criteria(tuple(warning.countries), tuple(warning.industries), tuple(warning.ip_types),
                        tuple(warning.products))
    scope = concerns.describe(language, vocabulary) if concerns.named else ("all markets" if english else "不限")
    until = warning.valid_until.isoformat() if warning.valid_until else ("until withdrawn" if english else "长期有效，撤销为止")
    if english:
        footer = f"Concerns: {scope}\nSource: {warning.source} ({warning.published_on.isoformat()}); current {'until ' + until if warning.valid_until else until}"
    else:
        footer = f"涉及：{scope}\n来源：{warning.source}（{warning.published_on.isoformat()}）；有效期至：{until}"
    return f"{lead}{title}\n{body}\n{footer}"


def source_id(warning: RiskWarning) -> str:
    return f"{SOURCE_PREFIX}{warning.id}"


@dataclass(frozen=True)
class DeliveryCounts:
    """How a warning's pushes went: waiting or being sent, delivered, given up, refused by a blocked chat."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.blocked


@dataclass(frozen=True)
class Published:
    warning: RiskWarning
    queued: int


@dataclass
class ImportReport:
    """An import: each refused row by its line (then nothing was stored), or the warnings published."""

    path: Path
    published: list[Published] = field(default_factory=list)
    errors: list[spreadsheets.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ----------------------------------------------------------------------------------------------------------------
# The service


class Warnings:
    """Publishing and pushing warnings, and enterprises' subscriptions, over the desk's database and clock."""

    def __init__(self, sessions: sessionmaker, clock: Clock, settings: DeskSettings, *,
                 vocabulary: Vocabulary | None = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.vocabulary = vocabulary or load_vocabulary()

    def today(self, now: datetime | None = None) -> date:
        """The date in Beijing (the desk's zone): warnings are current "until 2026-12-31" there."""
        return require_aware(now or self.clock.now()).astimezone(self.settings.hours.zone).date()

    def parse(self, values: Mapping[str, Any]) -> WarningDraft:
        return WarningDraft.parse(values, vocabulary=self.vocabulary, today=self.today())

    # Staff --------------------------------------------------------------------------------------------------

    def publish(self, draft: WarningDraft, actor: str, *, on_change: OnChange | None = None) -> Published:
        """Store the warning and queue it for every matching subscriber, all in one transaction."""
        with self.sessions.begin() as session:
            published = self._publish(session, draft, actor)
            if on_change is not None:
                on_change(session, published.warning, "publish", {"queued": published.queued, "title": draft.title})
        log.info("warnings: %s published warning %s, queued for %d subscriber(s)", actor, published.warning.id,
                 published.queued)
        return published

    def _publish(self, session: Session, draft: WarningDraft, actor: str) -> Published:
        now = self.clock.now()
        warning = RiskWarning(created_by=actor[:64], created_at=now, updated_at=now, **_columns(draft))
        session.add(warning)
        session.flush()
        return Published(warning, self._fan_out(session, warning, now))

    def update(self, warning_id: int, draft: WarningDraft, actor: str, *,
               on_change: OnChange | None = None) -> Published:
        """Correct a current warning; subscribers it now matches who did not have it get it (nobody gets it twice)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            warning = self._locked(session, warning_id)
            if not self._is_current(warning, now):
                raise WarningFormError({"title": "这条预警已失效，不能修改；如需再次提醒，请发布新的预警"})
            changed = sorted(name for name, value in _columns(draft).items() if getattr(warning, name) != value)
            for name, value in _columns(draft).items():
                setattr(warning, name, value)
            warning.updated_at = now
            queued = self._fan_out(session, warning, now)
            if on_change is not None:
                on_change(session, warning, "change", {"fields": changed, "queued": queued})
        log.info("warnings: %s changed warning %s (%s), queued for %d more subscriber(s)", actor, warning_id,
                 ", ".join(changed) or "nothing", queued)
        return Published(warning, queued)

    def expire(self, warning_id: int, actor: str, *, on_change: OnChange | None = None) -> RiskWarning:
        """Withdraw a warning now: it is no longer shown or pushed (deliveries already queued are dropped when they
        reach the conversation)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            warning = self._locked(session, warning_id)
            if warning.expired_at is not None:
                raise WarningFormError({"title": "这条预警已经失效"})
            warning.expired_at, warning.expired_by, warning.updated_at = now, actor[:64], now
            if on_change is not None:
                on_change(session, warning, "expire", {"title": warning.title})
        log.info("warnings: %s expired warning %s", actor, warning_id)
        return warning

    def expire_due(self, now: datetime | None = None) -> list[int]:
        """Mark the warnings whose last day has passed as expired (the scheduler's job; overlapping runs are safe,
        the update is conditional)."""
        now = require_aware(now) if now is not None else self.clock.now()
        today = self.today(now)
        with self.sessions.begin() as session:
            due = session.scalars(select(RiskWarning.id).where(
                RiskWarning.expired_at.is_(None), RiskWarning.valid_until < today)).all()
            if due:
                session.execute(update(RiskWarning).where(RiskWarning.id.in_(due), RiskWarning.expired_at.is_(None))
                                .values(expired_at=now, expired_by="system", updated_at=now)
                                .execution_options(synchronize_session=False))
        if due:
            log.info("warnings: %s expired (past their last day)", ", ".join(map(str, due)))
        return list(due)

    def import_file(self, path: Path | str, actor: str, *, on_change: OnChange | None = None) -> ImportReport:
        """Publish every warning of a YAML or CSV file, or none: every bad row is reported by its line and then
        nothing is stored."""
        path = Path(path)
        report = ImportReport(path)
        try:
            rows = list(spreadsheets.read_rows(path, IMPORT_FIELDS, required="title", noun="warning"))
        except spreadsheets.FileError as error:
            report.errors.append(spreadsheets.RowError(error.line, None, error.reason))
            return report
        drafts = []
        for line, raw in rows:
            title = spreadsheets.text(raw.get("title")) if isinstance(raw, dict) else None
            problem = spreadsheets.shape_problem(raw, "warning")
            unknown = [str(key) for key in raw if key not in IMPORT_FIELDS] if problem is None else []
            if problem is None and unknown:
                problem = f"unknown field(s) {', '.join(map(repr, unknown))}; known: {', '.join(IMPORT_FIELDS)}"
            if problem is None:
                try:
                    drafts.append(self.parse(raw))
                    continue
                except WarningFormError as error:
                    problem = "；".join(f"{FIELD_LABELS[name]}：{message}" for name, message in error.errors.items())
            report.errors.append(spreadsheets.RowError(line, title, problem))
        if not rows:
            report.errors.append(spreadsheets.RowError(1, None, "no warnings in the file"))
        if report.errors:
            for error in report.errors:
                log.warning("%s: %s", path, error)
            return report
        with self.sessions.begin() as session:
            for draft in drafts:
                published = self._publish(session, draft, actor)
                if on_change is not None:
                    on_change(session, published.warning, "publish",
                              {"queued": published.queued, "title": draft.title, "file": path.name})
                report.published.append(published)
        log.info("warnings: %s imported %d warning(s) from %s", actor, len(drafts), path)
        return report

    def seed_samples(self) -> ImportReport | None:
        """Give a desk with no warnings the illustrative samples (bot/desk/data/warnings.yml); None when it has any."""
        with self.sessions() as session:
            if session.scalar(select(RiskWarning.id).limit(1)) is not None:
                return None
        return self.import_file(SAMPLES, "system:samples")

    # Reading ------------------------------------------------------------------------------------------------

    def get(self, warning_id: int) -> RiskWarning | None:
        with self.sessions() as session:
            return session.get(RiskWarning, warning_id)

    def is_current(self, warning: RiskWarning) -> bool:
        return self._is_current(warning, self.clock.now())

    def current(self, criteria: Criteria = Criteria(), *, include_samples: bool = True) -> list[RiskWarning]:
        """The current warnings `criteria` concern, newest first."""
        today = self.today()
        with self.sessions() as session:
            found = session.scalars(select(RiskWarning).where(*self._current_clauses(today))
                                    .order_by(RiskWarning.published_on.desc(), RiskWarning.id.desc())).all()
        return [w for w in found if matches(w, criteria) and (include_samples or not w.illustrative)]

    def listing(self, *, state: str | None = None, limit: int = 500) -> list[RiskWarning]:
        """Warnings for staff, newest first: `state` "current", "expired" or None for all."""
        today = self.today()
        statement = select(RiskWarning).order_by(RiskWarning.created_at.desc(), RiskWarning.id.desc()).limit(limit)
        if state == "current":
            statement = statement.where(*self._current_clauses(today))
        elif state == "expired":
            statement = statement.where(~and_(*self._current_clauses(today)))
        with self.sessions() as session:
            return list(session.scalars(statement))

    def delivery_counts(self, warning_ids: Sequence[int]) -> dict[int, DeliveryCounts]:
        """How each warning's pushes went (see `DeliveryCounts`)."""
        if not warning_ids:
            return {}
        with self.sessions() as session:
            rows = session.execute(
                select(WarningDelivery.warning_id, WarningDelivery.blocked_at, OutboxMessage.status)
                .outerjoin(OutboxMessage, OutboxMessage.idempotency_key == WarningDelivery.outbox_key)
                .where(WarningDelivery.warning_id.in_(list(warning_ids)))
            ).all()
        tally: dict[int, Counter] = {warning_id: Counter() for warning_id in warning_ids}
        for warning_id, blocked_at, status in rows:
            # A message the retention purge already deleted was delivered or given up long ago: counted as sent.
            tally[warning_id]["blocked" if blocked_at is not None else _OUTBOX_STATE.get(status, "sent")] += 1
        return {warning_id: DeliveryCounts(**{state: counts[state] for state in DELIVERY_STATES})
                for warning_id, counts in tally.items()}

    def for_delivery(self, warning_id: int, channel: str | None, sender_id: str) -> RiskWarning | None:
        """The warning a queued push carries, if it is still current and was queued for this conversation."""
        now = self.clock.now()
        with self.sessions() as session:
            found = session.execute(
                select(RiskWarning).join(WarningDelivery, WarningDelivery.warning_id == RiskWarning.id)
                .join(WarningSubscriber, WarningSubscriber.id == WarningDelivery.subscriber_id)
                .where(RiskWarning.id == warning_id, WarningSubscriber.sender_id == str(sender_id),
                       *([WarningSubscriber.channel == channel] if channel else []))
            ).scalars().first()
        if found is None or not self._is_current(found, now):
            return None
        return found

    # Enterprises --------------------------------------------------------------------------------------------

    def subscribe(self, channel: str, sender_id: str, criteria: Criteria, language: Language) -> list[Criteria]:
        """Add a subscription (one the conversation already has is not added twice) and clear a block: writing to
        subscribe means the chat takes messages again. The conversation's subscriptions afterwards."""
        if criteria.empty:
            raise ValueError("say what to subscribe to (or Criteria(everything=True))")
        now = self.clock.now()
        with self.sessions.begin() as session:
            subscriber = self._subscriber(session, channel, sender_id, language, now)
            subscriber.blocked_at = subscriber.blocked_reason = None
            subscriber.language, subscriber.updated_at = language, now
            existing = session.scalars(select(WarningSubscription).where(
                WarningSubscription.subscriber_id == subscriber.id)).all()
            if not any(Criteria.of(row).same_as(criteria) for row in existing):
                session.add(WarningSubscription(
                    subscriber_id=subscriber.id, countries=list(criteria.countries),
                    industries=list(criteria.industries), ip_types=list(criteria.ip_types),
                    products=list(criteria.products), created_at=now))
        log.info("warnings: %s:%s subscribed to %s", channel, sender_id, criteria)
        return self.subscriptions(channel, sender_id)

    def unsubscribe(self, channel: str, sender_id: str, criteria: Criteria) -> tuple[list[Criteria], list[Criteria]]:
        """Remove the subscriptions that name everything `criteria` name (all of them for empty or "all" criteria);
        the removed ones and those left."""
        with self.sessions.begin() as session:
            subscriber = session.scalar(select(WarningSubscriber).where(
                WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id)))
            rows = session.scalars(select(WarningSubscription).where(
                WarningSubscription.subscriber_id == subscriber.id).order_by(WarningSubscription.id)).all() if subscriber else []
            removed = [row for row in rows if not criteria.named or _names_all(row, criteria)]
            if removed:
                session.execute(delete(WarningSubscription).where(
                    WarningSubscription.id.in_([row.id for row in removed])))
                subscriber.updated_at = self.clock.now()  # the retention period of a former subscriber runs from here
            left = [Criteria.of(row) for row in rows if row not in removed]
        log.info("warnings: %s:%s unsubscribed from %d subscription(s)", channel, sender_id, len(removed))
        return [Criteria.of(row) for row in removed], left

    def chat_open(self, channel: str, sender_id: str) -> bool:
        """The conversation was just answered, so it takes messages again: a block is lifted (later warnings reach it;
        the ones given up while it was blocked stay given up). Whether there was a block to lift."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            lifted = session.execute(
                update(WarningSubscriber)
                .where(WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id),
                       WarningSubscriber.blocked_at.is_not(None))
                .values(blocked_at=None, blocked_reason=None, updated_at=now)
                .execution_options(synchronize_session=False)).rowcount == 1
        if lifted:
            log.info("warnings: %s:%s takes messages again; its block is lifted", channel, sender_id)
        return lifted

    def subscriptions(self, channel: str, sender_id: str) -> list[Criteria]:
        with self.sessions() as session:
            rows = session.scalars(
                select(WarningSubscription).join(WarningSubscriber)
                .where(WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id))
                .order_by(WarningSubscription.id)).all()
        return [Criteria.of(row) for row in rows]

    # Internals ----------------------------------------------------------------------------------------------

    def _fan_out(self, session: Session, warning: RiskWarning, now: datetime) -> int:
        """Queue the warning for every subscriber it matches and has not been queued for; how many were queued."""
        if warning.illustrative or not self._is_current(warning, now):
            return 0
        rows = session.execute(
            select(WarningSubscriber, WarningSubscription)
            .join(WarningSubscription, WarningSubscription.subscriber_id == WarningSubscriber.id)
            .where(WarningSubscriber.blocked_at.is_(None)).order_by(WarningSubscriber.id)
        ).all()
        wanting = {subscriber.id: subscriber for subscriber, subscription in rows
                   if matches(warning, Criteria.of(subscription))}
        queued = 0
        for subscriber in wanting.values():
            key = f"{SOURCE_PREFIX}{warning.id}:{subscriber.id}"
            new = session.execute(
                dialect_insert(session, WarningDelivery.__table__).values(
                    warning_id=warning.id, subscriber_id=subscriber.id, outbox_key=key, queued_at=now)
                .on_conflict_do_nothing(index_elements=["warning_id", "subscriber_id"])
            ).rowcount == 1
            if new:
                payload = {"warning": warning.id, "title": warning.title, "language": subscriber.language}
                enqueue(session, subscriber.channel, subscriber.sender_id, KIND, payload, key, now=now)
                queued += 1
        return queued

    def _subscriber(self, session: Session, channel: str, sender_id: str, language: str,
                    now: datetime) -> WarningSubscriber:
        """The conversation's subscriber row, made on first use (two first subscriptions at once make one row)."""
        session.execute(
            dialect_insert(session, WarningSubscriber.__table__).values(
                channel=channel, sender_id=str(sender_id), language=language, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "sender_id"]))
        return session.scalars(select(WarningSubscriber).where(
            WarningSubscriber.channel == channel, WarningSubscriber.sender_id == str(sender_id))
            .with_for_update()).one()

    @staticmethod
    def _locked(session: Session, warning_id: int) -> RiskWarning:
        warning = session.scalars(select(RiskWarning).where(RiskWarning.id == warning_id).with_for_update()).one_or_none()
        if warning is None:
            raise LookupError(f"no warning {warning_id}")
        return warning

    def _is_current(self, warning: RiskWarning, now: datetime) -> bool:
        today = self.today(now)
        return (warning.expired_at is None and warning.published_on <= today
                and (warning.valid_until is None or warning.valid_until >= today))

    @staticmethod
    def _current_clauses(today: date) -> tuple[Any, ...]:
        return (RiskWarning.expired_at.is_(None), RiskWarning.published_on <= today,
                or_(RiskWarning.valid_until.is_(None), RiskWarning.valid_until >= today))


def _columns(draft: WarningDraft) -> dict[str, Any]:
    """The draft as the warning's column values (lists as JSON lists)."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in draft.__dict__.items()}


def _names_all(row: WarningSubscription, criteria: Criteria) -> bool:
    """Whether the subscription names every value `criteria` name ("退订美国预警" removes what names 美国)."""
    for name in ("countries", "industries", "ip_types"):
        if not set(getattr(criteria, name)) <= set(getattr(row, name) or ()):
            return False
    stored = {p.casefold() for p in row.products or ()}
    return all(p.casefold() in stored for p in criteria.products)


def mark_blocked(session: Session, message: OutboxMessage, now: datetime) -> None:
    """The chat behind `message` blocked the bot: mark its subscriber, give up its other waiting warnings, and
    count them blocked. For the outbox worker's `on_blocked`, in the transaction that gives `message` up."""
    subscriber = session.scalars(select(WarningSubscriber).where(
        WarningSubscriber.channel == message.channel, WarningSubscriber.sender_id == message.recipient)
        .with_for_update()).one_or_none()
    if subscriber is None:
        return
    if subscriber.blocked_at is None:
        subscriber.blocked_at, subscriber.updated_at = now, now
        subscriber.blocked_reason = (message.last_error or "blocked")[:500]
    waiting = session.scalars(
        select(WarningDelivery.outbox_key)
        .join(OutboxMessage, OutboxMessage.idempotency_key == WarningDelivery.outbox_key)
        .where(WarningDelivery.subscriber_id == subscriber.id, OutboxMessage.status == "pending")).all()
    if waiting:
        session.execute(update(OutboxMessage).where(OutboxMessage.idempotency_key.in_(waiting),
                                                    OutboxMessage.status == "pending")
                        .values(status="dead", last_error="the recipient blocked the bot")
                        .execution_options(synchronize_session=False))
    session.execute(update(WarningDelivery)
                    .where(WarningDelivery.outbox_key.in_([*waiting, message.idempotency_key]),
                           WarningDelivery.blocked_at.is_(None))
                    .values(blocked_at=now).execution_options(synchronize_session=False))
    log.warning("warnings: subscriber %s (%s:%s) blocked the bot; %d waiting warning(s) given up", subscriber.id,
                message.channel, message.recipient, len(waiting))

