"""The chat's side of the province's figures: one `ChatTurn` row per question the bot answered, declined or
escalated, saying what it was about and never who asked.

Who asked is reduced to `sender_key`, an HMAC-SHA256 of "<channel>:<sender_id>" under a secret key. A plain hash
would not do: Telegram user ids are small integers and REST sender ids are often phone numbers, so anyone holding
the table could hash every candidate and find the person. With a keyed hash the same enterprise gets the same key
every week (so distinct enterprises can be counted) while the table alone identifies nobody.

The key comes from `IPDESK_CHATLOG_KEY` (at least 16 characters; set the same value on every action server when
several share one database, or the same enterprise counts once per server). Without it, each installation makes
its own random key on first use and keeps it in `<var>/chatlog.key` (`IPDESK_VAR_DIR`, default `var/`), readable by
its owner only (0600). Losing or changing the key only means that the enterprises counted before and after it cannot
be matched to each other; no figure already counted changes.

Recording is bookkeeping beside the reply: a database or key problem is logged with the turn it concerns and the
reply goes out regardless.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Union

from bot.contracts import ReplyKind
from bot.desk.tickets import Desk
from bot.desk.schema import ChatTurn
from bot.settings import text

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
KEY_ENV = "IPDESK_CHATLOG_KEY"
KEY_FILE = "chatlog.key"
MIN_KEY_LENGTH = 16
#: What a chat turn can be for the figures: the reply contract's kinds that stand for a question asked.
KINDS: frozenset[ReplyKind] = frozenset({"answer", "out_of_scope", "escalation"})
#: The entities a turn keeps (the first canonical value of each).
ENTITY_COLUMNS = ("country", "ip_type", "dispute_type")
#: The actions that record a turn: when one of them already ran for the user's message (a live dispute is answered,
#: then escalated, in one turn), a later one does not record the same question again.
RECORDING_ACTIONS = frozenset({"action_answer", "action_refuse", "action_start_escalation"})

DeskSource = Union[Desk, Callable[[], Desk]]


def opened(desk: DeskSource) -> Desk:
    """The desk itself, built now when `desk` is the function that builds it (the action server's), so that a
    database that cannot even be reached fails inside the caller's own error handling."""
    return desk() if callable(desk) else desk


def channel_name(channel: str | None) -> str:
    """A conversation's channel as the chat's tables keep it: "unknown" when Rasa gave none, at most 32 characters."""
    return (channel or "unknown")[:32]


_key_lock = threading.Lock()
_cached_key: tuple[tuple[str | None, Path], bytes] | None = None


class ChatLogKeyError(RuntimeError):
    """The configured key cannot be used (too short to keep the senders unguessable)."""


class ChatTracker(Protocol):
    """What the recorder reads from a Rasa SDK tracker (named here so that `bot` need not import the SDK)."""

    sender_id: str
    latest_message: Mapping[str, Any] | None
    latest_action_name: str | None

    def get_latest_input_channel(self) -> str | None: ...


def sender_key(channel: str, sender_id: str, key: bytes | None = None) -> str:
    """The keyed hash that stands for one sender on one channel (64 hex characters)."""
    secret = key if key is not None else chatlog_key()
    return hmac.new(secret, f"{channel}:{sender_id}".encode("utf-8"), hashlib.sha256).hexdigest()


def chatlog_key() -> bytes:
    """The installation's key: from the environment, else from `<var>/chatlog.key`, made on first use."""
    global _cached_key
    configured = text(os.environ, KEY_ENV)
    path = Path(text(os.environ, "IPDESK_VAR_DIR") or ROOT / "var") / KEY_FILE
    with _key_lock:
        if _cached_key is not None and _cached_key[0] == (configured, path):
            return _cached_key[1]
        if configured is not None:
            if len(configured.strip()) < MIN_KEY_LENGTH:
                raise ChatLogKeyError(f"{KEY_ENV} must be at least {MIN_KEY_LENGTH} characters")
            key = configured.strip().encode("utf-8")
        else:
            key = _key_from_file(path)
        _cached_key = ((configured, path), key)
        return key


def _key_from_file(path: Path) -> bytes:
    """Read the key file, or create it atomically: written in full to a private temporary file, then linked into
    place, so two processes starting together agree on one key and neither reads a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".chatlog-key-")  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(temporary, path)
                log.info("chatlog: made a new sender key in %s", path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise ChatLogKeyError(f"{path} holds no usable key; delete it to have a new one made")
    return key.encode("ascii")


def record_turn(
    desk: DeskSource,
    *,
    channel: str | None,
    sender_id: str,
    kind: str,
    intent: str | None = None,
    language: str = "zh",
    entities: Mapping[str, Iterable[str]] | None = None,
    sources: Iterable[str] = (),
) -> bool:
    """Store one chat turn through the desk's sessions and clock; True when it was stored.

    `desk` may be the function that builds the desk (the action server's `actions.services.desk`), so that a database
    that cannot even be reached is caught here too. Never raises for a database or key problem: it is logged with
    the turn, and the caller's reply goes out as if nothing happened.
    """
    if kind not in KINDS:
        log.error("chatlog: a turn of kind %r was offered; only %s are recorded", kind, ", ".join(sorted(KINDS)))
        return False
    channel = channel_name(channel)
    found = {name: list(values) for name, values in (entities or {}).items()}
    try:
        source = opened(desk)
        turn = ChatTurn(
            at=source.clock.now(),
            channel=channel,
            sender_key=sender_key(channel, str(sender_id)),
            kind=kind,
            intent=intent[:64] if intent else None,
            language="en" if language == "en" else "zh",
            sources=[str(s) for s in sources],
            **{name: next(iter(found.get(name) or ()), None) for name in ENTITY_COLUMNS},
        )
        with source.sessions.begin() as session:
            session.add(turn)
    except Exception:  # noqa: BLE001 — the figures must never cost the enterprise its answer
        log.exception(
            "chatlog: could not record a %s turn (channel %s, intent %s) for the figures", kind, channel, intent
        )
        return False
    return True


def record_chat_turn(
    desk: DeskSource,
    tracker: ChatTracker,
    kind: str,
    *,
    language: str,
    entities: Mapping[str, Iterable[str]] | None = None,
    sources: Iterable[str] = (),
) -> bool:
    """`record_turn` for the action answering `tracker`'s latest message: its channel, sender and intent.

    One user message is one question: when an earlier action of the same turn already recorded it (a live dispute
    gets its first steps from `action_answer`, then `action_start_escalation` brings in an expert), the later
    action records nothing; the escalation itself is counted from the ticket it opens.
    """
    try:
        if tracker.latest_action_name in RECORDING_ACTIONS:
            return False
        channel = tracker.get_latest_input_channel()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        sender = tracker.sender_id
    except Exception:  # noqa: BLE001 — as above: a malformed tracker must not stop the reply
        log.exception("chatlog: could not read the %s turn to record from the tracker", kind)
        return False
    return record_turn(
        desk,
        channel=channel,
        sender_id=sender,
        kind=kind,
        intent=intent,
        language=language,
        entities=entities,
        sources=sources,
    )
