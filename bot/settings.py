"""Every setting of every process, read from the environment by one parser, under one prefix (IPDESK_).

Every knob has a default that suits the provincial desk (desk hours 09:00–17:30, Monday to Friday, Beijing
time; an urgent case must be accepted within 2 hours, a normal one within 2 working days), so a fresh
checkout runs with no configuration. A malformed value stops the process at start with the variable's name,
rather than surfacing as a wrong deadline weeks later.

`SETTINGS` lists them all, each with its default and what it does: `python -m bot settings` prints them with the
values this environment gives them (secrets masked), and deploy/ipdesk.env.example lists the same names. The
names before the one prefix (DATABASE_URL, RASA_TOKEN, DESK_HOURS, TELEGRAM_BOT_TOKEN …) still work for this
release: each use logs a warning naming the new name. The desk's own settings are `DeskSettings`; the console's,
the Telegram worker's and the launcher's read theirs through `text`, `read` and `flag` here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Callable, Mapping, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import DeskHours

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'desk.db'}"
PREFIX = "IPDESK_"

T = TypeVar("T")
log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """An environment variable holds a value the process cannot use; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its old name (before the one prefix), its default as written in an
    environment file ("" = unset), whether it is a secret, and what it does."""

    name: str
    default: str
    help: str
    old: str | None = None
    secret: bool = False
    part: str = "desk"


def _s(
    name: str, default: str, help: str, *, old: bool | str = False, secret: bool = False, part: str = "desk"
) -> Setting:
    former = (name.removeprefix(PREFIX) if old is True else old) or None
    return Setting(name, default, help, former, secret, part)


#: Every setting, by the part that reads it.
SETTINGS: tuple[Setting, ...] = (
    # Where things are: every process.
    _s(
        "IPDESK_DATABASE_URL",
        "sqlite:///var/desk.db",
        "the desk's database; on PostgreSQL also the conversations (Rasa's SQL tracker store)",
        old=True,
        secret=True,
        part="processes",
    ),
    _s(
        "IPDESK_REDIS_URL",
        "",
        "Redis for Rasa's lock store and the REST channel's shared rate limits (several Rasa "
        "servers); unset: each server on its own",
        old=True,
        secret=True,
        part="processes",
    ),
    _s(
        "IPDESK_REDIS_PREFIX",
        "ipdesk",
        "prefix of the keys in Redis, so that installations can share one",
        part="processes",
    ),
    _s(
        "IPDESK_RASA_TOKEN",
        "",
        "the token of Rasa's HTTP API; unset: a fresh random one per run",
        old=True,
        secret=True,
        part="processes",
    ),
    _s(
        "IPDESK_ACTIONS_TOKEN",
        "",
        "the secret the Rasa server sends with every call to the action server, which "
        "refuses any call without it; unset: a fresh random one per run",
        secret=True,
        part="processes",
    ),
    _s(
        "IPDESK_RASA_URL",
        "http://127.0.0.1:5005",
        "where the Rasa server answers (set by the launcher for the processes it starts)",
        part="processes",
    ),
    _s("IPDESK_HOST", "127.0.0.1", "the address this machine's services listen on", part="processes"),
    _s("IPDESK_RASA_PORT", "5005", "the Rasa server's port", part="processes"),
    _s("IPDESK_ACTIONS_PORT", "5055", "the action server's port", part="processes"),
    _s("IPDESK_CONSOLE_PORT", "8080", "the hotline console's port", part="processes"),
    _s("IPDESK_CONSOLE_HOST", "", "the console's address, when not IPDESK_HOST", part="processes"),
    _s(
        "IPDESK_MODEL",
        "models/ipdesk.tar.gz",
        "the trained model (`make model`); a model swapped in by a retraining job since serves instead",
        part="processes",
    ),
    _s(
        "IPDESK_RASA_SERVERS",
        "",
        "every Rasa server the retraining runner swaps a new model into, comma separated (each server, not a "
        "balancer in front of them); unset: IPDESK_RASA_URL (set by the launcher and the scaled-out layout)",
        part="processes",
    ),
    _s(
        "IPDESK_VAR_DIR",
        "var",
        "where the processes keep their files (SQLite databases, the Telegram inbox, attachments, the chat log key)",
        part="processes",
    ),
    _s(
        "IPDESK_ACTION_ENDPOINT",
        "",
        "the action servers this Rasa server calls, when not its own (nginx's entry)",
        part="processes",
    ),
    _s(
        "IPDESK_REDIS_PASSWORD",
        "",
        "set by the launcher from IPDESK_REDIS_URL for Rasa's endpoints file; never set it yourself",
        secret=True,
        part="processes",
    ),
    # The desk.
    _s("IPDESK_DESK_HOURS", "09:00-17:30", "when the desk is staffed, in its time zone", old=True),
    _s("IPDESK_DESK_TIMEZONE", "Asia/Shanghai", "the desk's time zone", old=True),
    _s("IPDESK_DESK_HOLIDAYS", "", "extra days off, ISO dates separated by commas", old=True),
    _s("IPDESK_DESK_EXTRA_WORKDAYS", "", "weekend days worked (调休), ISO dates separated by commas", old=True),
    _s("IPDESK_DESK_SLA_URGENT_HOURS", "2", "an urgent case is accepted within this many hours", old=True),
    _s("IPDESK_DESK_SLA_NORMAL_WORKING_DAYS", "2", "a normal case is accepted within this many working days", old=True),
    _s(
        "IPDESK_DESK_FOLLOW_UP_DAYS",
        "7",
        "days after closing that the enterprise is asked how it went (回访)",
        old=True,
    ),
    _s("IPDESK_DESK_OUTBOX_MAX_ATTEMPTS", "8", "deliveries of a message tried before it is given up", old=True),
    _s("IPDESK_DESK_OUTBOX_BACKOFF_SECONDS", "30", "the first retry's wait; it doubles up to an hour", old=True),
    _s("IPDESK_DESK_OUTBOX_LEASE_SECONDS", "60", "how long a worker owns a message it is delivering", old=True),
    _s("IPDESK_DESK_STAFF_CHANNEL", "staff", "the outbox channel of staff alerts", old=True),
    _s("IPDESK_DESK_STAFF_RECIPIENT", "hotline", "the recipient of staff alerts on that channel", old=True),
    _s(
        "IPDESK_DESK_FAIR_CONTACT",
        "",
        "who enterprises at a fair abroad reach on site, unless staff set one for the fair",
        old=True,
    ),
    _s(
        "IPDESK_RETENTION_DAYS",
        "730",
        "days personal data is kept after a case or call ends (the privacy notice says the same)",
    ),
    _s(
        "IPDESK_CHATLOG_KEY",
        "",
        "the keyed hash of chat senders in the figures, the same on every action server; "
        "unset: made once in IPDESK_VAR_DIR",
        secret=True,
    ),
    # The Rasa runtime and the REST channel.
    _s(
        "IPDESK_SESSION_MAX_EVENTS",
        "200",
        "a conversation's session ends after this many events (no form under way)",
        part="runtime",
    ),
    _s("IPDESK_REST_BURST", "10", "messages a sender may send at once", part="runtime"),
    _s("IPDESK_REST_PER_MINUTE", "30", "messages a sender may send a minute after the burst", part="runtime"),
    _s("IPDESK_REST_MAX_CHARS", "4000", "the longest message the REST channel takes", part="runtime"),
    _s(
        "IPDESK_REST_ADDRESS_BURST",
        "60",
        "messages one client address may send at once, all senders together; 0: "
        "no limit per address (behind nginx, which limits per address itself)",
        part="runtime",
    ),
    _s(
        "IPDESK_REST_ADDRESS_PER_MINUTE",
        "240",
        "messages one client address may send a minute after its burst",
        part="runtime",
    ),
    # The console.
    _s(
        "IPDESK_CONSOLE_SESSION_IDLE_MINUTES",
        "120",
        "a console session ends after this long without a request",
        old=True,
        part="console",
    ),
    _s(
        "IPDESK_CONSOLE_MAX_SIGN_IN_FAILURES",
        "5",
        "failed sign-ins for one name that cost nothing (three times as "
        "many from one address); each further one doubles the wait before the next try, up to 15 minutes",
        old=True,
        part="console",
    ),
    _s(
        "IPDESK_CONSOLE_SECURE_COOKIES",
        "false",
        "send the session cookie over HTTPS only (behind TLS)",
        old=True,
        part="console",
    ),
    _s(
        "IPDESK_CONSOLE_PUBLIC_ORIGIN",
        "",
        "the console's address as browsers reach it behind a proxy "
        "(https://console.example.org); every POST must come from it. Unset: the request's own, or what a trusted "
        "proxy forwards",
        part="console",
    ),
    _s(
        "IPDESK_CONSOLE_TRUSTED_PROXIES",
        "",
        "addresses or networks of the proxies in front of the console, comma "
        "separated: only theirs X-Forwarded-For/-Proto/-Host are believed. Unset: nobody's",
        part="console",
    ),
    _s(
        "IPDESK_CONSOLE_SECRET",
        "",
        "the key that signs the console's cookies, the same on every console behind one "
        "balancer; unset: a fresh one per process",
        secret=True,
        part="console",
    ),
    # Telegram.
    _s(
        "IPDESK_TELEGRAM_BOT_TOKEN",
        "",
        "the bot's token from @BotFather; set: `make run` serves the bot on Telegram",
        old=True,
        secret=True,
        part="telegram",
    ),
    _s("IPDESK_TELEGRAM_BASE_URL", "https://api.telegram.org", "the Bot API server", old=True, part="telegram"),
    _s(
        "IPDESK_TELEGRAM_MODE",
        "polling",
        "polling, or webhook (needs a public https:// address)",
        old=True,
        part="telegram",
    ),
    _s("IPDESK_TELEGRAM_WEBHOOK_URL", "", "the public https:// address Telegram posts to", old=True, part="telegram"),
    _s("IPDESK_TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1", "where the webhook server listens", old=True, part="telegram"),
    _s("IPDESK_TELEGRAM_WEBHOOK_PORT", "8443", "the webhook server's port", old=True, part="telegram"),
    _s(
        "IPDESK_TELEGRAM_WEBHOOK_SECRET",
        "",
        "the secret Telegram sends with each update (1-256 of A-Z a-z 0-9 _ -)",
        old=True,
        secret=True,
        part="telegram",
    ),
    _s("IPDESK_TELEGRAM_POLL_TIMEOUT", "30", "seconds a getUpdates call waits", old=True, part="telegram"),
    _s(
        "IPDESK_TELEGRAM_RETRY_BASE",
        "2",
        "seconds before the first retry of work waiting for a part that is down",
        old=True,
        part="telegram",
    ),
    _s("IPDESK_TELEGRAM_RETRY_MAX", "60", "the longest wait between such retries", old=True, part="telegram"),
    _s(
        "IPDESK_TELEGRAM_DESK_INTERVAL",
        "2",
        "seconds between passes over the desk's outbox and attachments",
        old=True,
        part="telegram",
    ),
    # WeChat Official Account (bot/channels/wechat).
    _s(
        "IPDESK_WECHAT_APP_ID",
        "",
        "the account's AppID (公众号 开发 → 基本配置); set with the secret and token: `make run` serves the account",
        part="wechat",
    ),
    _s("IPDESK_WECHAT_SECRET", "", "the account's AppSecret, for its access token", secret=True, part="wechat"),
    _s(
        "IPDESK_WECHAT_TOKEN",
        "",
        "the server configuration's Token: WeChat signs every request to the server URL with it",
        secret=True,
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_AES_KEY",
        "",
        "the EncodingAESKey (43 characters) for the safe (encrypted) mode; unset: plaintext mode only",
        secret=True,
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_API_BASE",
        "https://api.weixin.qq.com",
        "where every call to WeChat's API goes (a proxy, or the tests' fake); the access token's too",
        part="wechat",
    ),
    _s("IPDESK_WECHAT_LISTEN", "127.0.0.1", "where the server URL's HTTP server listens", part="wechat"),
    _s("IPDESK_WECHAT_PORT", "8082", "the server URL's port (behind the HTTPS reverse proxy)", part="wechat"),
    _s("IPDESK_WECHAT_PATH", "/wechat", "the server URL's path", part="wechat"),
    _s(
        "IPDESK_WECHAT_PASSIVE_SECONDS",
        "4",
        "how long a request waits for the turn to answer in the reply itself (WeChat waits 5 s); slower "
        "answers go through the customer-service message API",
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_TEMPLATE_DESK",
        "",
        "template id for experts' answers and ticket updates outside the 48-hour customer-service window",
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_TEMPLATE_WARNING",
        "",
        "template id for pushed risk warnings outside the 48-hour window",
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_SOURCE_URL",
        "",
        'the web chat\'s public address: sources and "more" become links to its /source/<id> pages; '
        "unset: named in plain text",
        part="wechat",
    ),
    _s(
        "IPDESK_WECHAT_RETRY_BASE",
        "2",
        "seconds before the first retry of a message waiting for a part that is down",
        part="wechat",
    ),
    _s("IPDESK_WECHAT_RETRY_MAX", "60", "the longest wait between such retries", part="wechat"),
    _s("IPDESK_WECHAT_DESK_INTERVAL", "2", "seconds between passes over the desk's WeChat outbox", part="wechat"),
)
#: The web chat's settings (bot/channels/webchat), in their own block.
SETTINGS += (
    _s(
        "IPDESK_WEBCHAT_HOST",
        "127.0.0.1",
        "where the web chat server listens (behind the site's reverse proxy)",
        part="webchat",
    ),
    _s("IPDESK_WEBCHAT_PORT", "8081", "the web chat server's port", part="webchat"),
    _s(
        "IPDESK_WEBCHAT_SECRET",
        "",
        "the key that signs the visitors' chat sessions, the same on every web chat server behind one balancer; "
        "unset: one generated once into var/webchat-secret (0600)",
        secret=True,
        part="webchat",
    ),
    _s(
        "IPDESK_WEBCHAT_SESSION_DAYS",
        "30",
        "a visitor's chat session (and its cookie) ends after this many days unused",
        part="webchat",
    ),
    _s(
        "IPDESK_WEBCHAT_SECURE_COOKIES",
        "false",
        "send the chat's session cookie over HTTPS only (behind TLS)",
        part="webchat",
    ),
    _s(
        "IPDESK_WEBCHAT_SAMESITE",
        "Lax",
        "the session cookie's SameSite: Strict or Lax (the widget on a page of the same site); None only with "
        "secure cookies, for a widget on another site",
        part="webchat",
    ),
    _s(
        "IPDESK_WEBCHAT_EMBED_ORIGINS",
        "",
        "the sites that may show the chat in their pages (space-separated origins, https://www.example.gov.cn); "
        "unset: only the chat's own pages",
        part="webchat",
    ),
    _s("IPDESK_WEBCHAT_BURST", "10", "a visitor's messages at once", part="webchat"),
    _s("IPDESK_WEBCHAT_PER_MINUTE", "30", "a visitor's messages a minute after the burst", part="webchat"),
    _s(
        "IPDESK_WEBCHAT_ADDRESS_BURST",
        "60",
        "one address's requests at once, all its visitors together (0: no limit)",
        part="webchat",
    ),
    _s("IPDESK_WEBCHAT_ADDRESS_PER_MINUTE", "240", "one address's requests a minute after the burst", part="webchat"),
    _s("IPDESK_WEBCHAT_MAX_FILE_MB", "10", "the largest file a visitor may attach (PDF, image, Word)", part="webchat"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
_warned: set[str] = set()


def lookup(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """The variable that gives setting `name` in `env` and its value (stripped), or None when it is unset or empty.
    The old name is read when the new one is not set, with a warning (once per process)."""
    setting = BY_NAME[name]
    raw = env.get(name, "").strip()
    old = setting.old
    if raw:
        if old and env.get(old, "").strip() and env.get(old, "").strip() != raw and old not in _warned:
            _warned.add(old)
            log.warning("%s is set and ignored: %s, its new name, is set too", old, name)
        return name, raw
    if old and env.get(old, "").strip():
        if old not in _warned:
            _warned.add(old)
            log.warning("%s is an old name: rename it %s (the old name works for this release only)", old, name)
        return old, env[old].strip()
    return None


def text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """The setting's value as text, or `default` when it is unset."""
    found = lookup(env, name)
    return found[1] if found else default


def read(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    """The setting parsed by `parse`, or `default` when it is unset; a value `parse` refuses stops the process with
    the variable's name, the value and why."""
    found = lookup(env, name)
    if found is None:
        return default
    variable, raw = found
    try:
        return parse(raw)
    except ValueError as error:
        raise SettingsError(f"{variable}={raw!r}: {error}") from error


def model_path(env: Mapping[str, str]) -> Path:
    """IPDESK_MODEL, what `make model` builds (a relative path is under the repository)."""
    model = Path(text(env, "IPDESK_MODEL") or "models/ipdesk.tar.gz")
    return model if model.is_absolute() else ROOT / model


def flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    """A yes/no setting: 1, true, yes, on or 0, false, no, off."""
    return read(env, name, _flag, default)


def _flag(raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def number(kind: Callable[[str], T]) -> Callable[[str], T]:
    """A parser of a number of `kind` (int or float) that says what was expected."""

    def parse(raw: str) -> T:
        try:
            return kind(raw)
        except ValueError:
            raise ValueError("expected a whole number" if kind is int else "expected a number") from None

    return parse


def positive(kind: Callable[[str], T]) -> Callable[[str], T]:
    """A parser of a number of `kind` that must be greater than zero."""
    as_number = number(kind)

    def parse(raw: str) -> T:
        value = as_number(raw)
        if value <= 0:  # type: ignore[operator]
            raise ValueError("must be greater than zero")
        return value

    return parse


def shown(setting: Setting, env: Mapping[str, str]) -> str:
    """The setting's value in `env` as `python -m bot settings` prints it: secrets masked, "(default …)" when unset."""
    found = lookup(env, setting.name)
    if found is None:
        return f"(default) {setting.default}" if setting.default else "(unset)"
    variable, raw = found
    value = "********" if setting.secret else raw
    return value if variable == setting.name else f"{value}  (from {variable}, the old name)"


@dataclass(frozen=True)
class DeskSettings:
    database_url: str = DEFAULT_DATABASE_URL
    sla_urgent: timedelta = timedelta(hours=2)
    sla_normal_working_days: int = 2
    desk_opens: time = time(9, 0)
    desk_closes: time = time(17, 30)
    desk_timezone: str = "Asia/Shanghai"
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    follow_up_delay: timedelta = timedelta(days=7)
    outbox_max_attempts: int = 8
    outbox_base_backoff: timedelta = timedelta(seconds=30)
    outbox_max_backoff: timedelta = timedelta(hours=1)
    #: How long a worker owns a message it is delivering; a worker that dies mid-delivery leaves it to another
    #: after this long.
    outbox_lease: timedelta = timedelta(seconds=60)
    # Where staff alerts go (urgent cases, nobody to assign, missed SLAs): an outbox channel and recipient
    # that the deployment gives a sender, e.g. a Telegram group of the hotline staff.
    staff_channel: str = "staff"
    staff_recipient: str = "hotline"
    # How long personal data (callers, contacts, transcripts) is kept after a case or call ends; the chat's privacy
    # notice states it and `python -m bot.console purge` anonymises what is older.
    retention_days: int = 730
    # Who enterprises at a fair abroad reach on site (measure 5's 展中驻会服务), told when the fair opens unless staff
    # set a contact for that fair in the console; without either, the message points to the chat's expert desk.
    fair_contact: str | None = None
    hours: DeskHours = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.sla_urgent <= timedelta(0) or self.sla_normal_working_days <= 0:
            raise SettingsError("SLA durations must be positive")
        if (
            self.outbox_max_attempts <= 0
            or self.outbox_base_backoff <= timedelta(0)
            or self.outbox_lease <= timedelta(0)
        ):
            raise SettingsError("outbox attempts, backoff and lease must be positive")
        try:
            zone = ZoneInfo(self.desk_timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SettingsError(
                f"unknown time zone {self.desk_timezone!r} (is the system's or the tzdata package's zone data installed?)"
            ) from error
        try:
            hours = DeskHours(
                self.desk_opens, self.desk_closes, zone, holidays=self.holidays, extra_workdays=self.extra_workdays
            )
        except ValueError as error:
            raise SettingsError(str(error)) from error
        object.__setattr__(self, "hours", hours)

    @property
    def sla_normal(self) -> timedelta:
        """Two working days as staffed time: two full desk days."""
        return self.hours.day_length * self.sla_normal_working_days

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "DeskSettings":
        env = os.environ if env is None else env
        opens, closes = read(env, "IPDESK_DESK_HOURS", _parse_hours, (cls.desk_opens, cls.desk_closes))
        return cls(
            database_url=text(env, "IPDESK_DATABASE_URL") or DEFAULT_DATABASE_URL,
            sla_urgent=timedelta(hours=read(env, "IPDESK_DESK_SLA_URGENT_HOURS", positive(float), 2.0)),
            sla_normal_working_days=read(
                env, "IPDESK_DESK_SLA_NORMAL_WORKING_DAYS", positive(int), cls.sla_normal_working_days
            ),
            desk_opens=opens,
            desk_closes=closes,
            desk_timezone=read(env, "IPDESK_DESK_TIMEZONE", _zone_name, cls.desk_timezone),
            holidays=read(env, "IPDESK_DESK_HOLIDAYS", _parse_dates, frozenset()),
            extra_workdays=read(env, "IPDESK_DESK_EXTRA_WORKDAYS", _parse_dates, frozenset()),
            follow_up_delay=timedelta(days=read(env, "IPDESK_DESK_FOLLOW_UP_DAYS", positive(float), 7.0)),
            outbox_max_attempts=read(env, "IPDESK_DESK_OUTBOX_MAX_ATTEMPTS", positive(int), cls.outbox_max_attempts),
            outbox_base_backoff=timedelta(
                seconds=read(env, "IPDESK_DESK_OUTBOX_BACKOFF_SECONDS", positive(float), 30.0)
            ),
            outbox_lease=timedelta(seconds=read(env, "IPDESK_DESK_OUTBOX_LEASE_SECONDS", positive(float), 60.0)),
            staff_channel=text(env, "IPDESK_DESK_STAFF_CHANNEL") or cls.staff_channel,
            staff_recipient=text(env, "IPDESK_DESK_STAFF_RECIPIENT") or cls.staff_recipient,
            retention_days=read(env, "IPDESK_RETENTION_DAYS", positive(int), cls.retention_days),
            fair_contact=text(env, "IPDESK_DESK_FAIR_CONTACT"),
        )


def _zone_name(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone (is the system's or the tzdata package's zone data installed?)") from None
    return raw


def _parse_hours(raw: str) -> tuple[time, time]:
    """ "09:00-17:30" → (09:00, 17:30)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ValueError('expected opening and closing times like "09:00-17:30"') from None
    if start >= end:
        raise ValueError("the desk must open before it closes")
    return start, end


def _parse_dates(raw: str) -> frozenset[date]:
    """ "2026-10-01,2026-10-02" → the dates; each must be an ISO date."""
    days = set()
    for part in raw.split(","):
        if part.strip():
            try:
                days.add(date.fromisoformat(part.strip()))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(days)
