"""What every action needs from a turn: its language, its entities, and the reply contract's `custom` object."""

from __future__ import annotations

import logging
import os
from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.contracts import ACTION_REPLY_KINDS, OUT_OF_SCOPE_REASONS
from bot.settings import lookup
from knowledge import KnowledgeBase, Language, LiveKnowledge, detect_language

logger = logging.getLogger(__name__)


def _live_knowledge() -> LiveKnowledge:
    """The published version in the desk's database when the process has one (the launcher always sets
    IPDESK_DATABASE_URL), polled so that a publish is served within seconds; else the files, reloaded when they
    change."""
    if lookup(os.environ, "IPDESK_DATABASE_URL") is None:
        return LiveKnowledge()
    from actions.services import desk_sessions
    from bot.desk.knowledge_versions import PublishedKnowledge

    return PublishedKnowledge(desk_sessions)


#: One knowledge base per action-server process: the published version, or the files while none is.
KNOWLEDGE = _live_knowledge()

LANGUAGE_SLOT = "language"
KINDS = frozenset(ACTION_REPLY_KINDS)
#: Why a question was declined: another office handles it (the reply names it), or it must not be helped.
REASONS = frozenset(OUT_OF_SCOPE_REASONS)


def knowledge() -> KnowledgeBase:
    return KNOWLEDGE.get()


def load_knowledge_now() -> None:
    """Load the knowledge base (and jieba's dictionary with it) while the action server starts, which it does
    beside the Rasa server loading its model, rather than in the first question's turn (seconds on 2 cores). A
    broken file is logged here and reported again at the first question."""
    try:
        knowledge()
    except Exception:  # noqa: BLE001 — the first question says it again, with the reply the user gets
        logger.exception("the knowledge base could not be loaded at start")


load_knowledge_now()


def user_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


#: How Rasa marks a message that came through its trigger_intent API (rasa.shared.core.constants): an external intent
#: such as EXTERNAL_desk_message, which a worker triggers to deliver the outbox.
EXTERNAL_PREFIX = "EXTERNAL: "


def is_payload(text: str) -> bool:
    """A button press (`/intent{...}`) or a message a worker triggered, not words the user typed."""
    return text.startswith(("/", EXTERNAL_PREFIX))


def triggered_by_worker(tracker: Tracker) -> bool:
    """Whether the latest message came through Rasa's token-protected trigger_intent API. A user can type
    "/EXTERNAL_warning{…}", which Rasa parses like a button; the actions that deliver the outbox refuse that."""
    return str((tracker.latest_message or {}).get("text") or "").startswith(EXTERNAL_PREFIX)


def language(tracker: Tracker) -> Language:
    """The language to answer in: that of the user's own words, or the conversation's for a button press."""
    text = user_text(tracker)
    if text.strip() and not is_payload(text):
        return detect_language(text)
    remembered = tracker.get_slot(LANGUAGE_SLOT)
    return "en" if remembered == "en" else "zh"


def remember_language(tracker: Tracker, current: Language) -> list[dict[str, Any]]:
    """Events that keep the conversation's language, so button presses are answered in it."""
    return [] if tracker.get_slot(LANGUAGE_SLOT) == current else [SlotSet(LANGUAGE_SLOT, current)]


def entities(tracker: Tracker, kb: KnowledgeBase) -> dict[str, list[str]]:
    """The message's entities as canonical vocabulary values, entity → values, without repeats."""
    return kb.canonical_entities((tracker.latest_message or {}).get("entities") or [])


def payload_entities(tracker: Tracker) -> dict[str, Any]:
    """The latest message's entities as they came, entity → value (the last, if repeated): what a button or a
    worker's trigger sent (an item id, a ticket, an outbox key), read literally rather than as vocabulary."""
    return {e.get("entity"): e.get("value") for e in (tracker.latest_message or {}).get("entities") or []}


def contract(
    kind: str,
    *,
    language: Language,
    sources: Iterable[str] = (),
    ticket: str | None = None,
    priority: str | None = None,
    ask: str | None = None,
    reason: str | None = None,
    suggestions: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The `custom` object that says what the turn did (the reply contract, docs/ARCHITECTURE.md): `reason` for an
    out_of_scope turn (`refer` or `refuse`; a refusal cites nothing), `suggestions` for a clarify turn (the item
    ids offered as "did you mean" buttons)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}")
    if (kind == "out_of_scope") != (reason is not None) or (reason is not None and reason not in REASONS):
        raise ValueError(f"reply kind {kind!r} with reason {reason!r}")
    if reason == "refuse" and list(sources):
        raise ValueError("a refusal cites no sources")
    payload: dict[str, Any] = {"kind": kind, "language": language, "sources": list(sources)}
    if reason is not None:
        payload["reason"] = reason
    if kind == "clarify":
        payload["suggestions"] = list(suggestions or [])
    if kind == "escalation":
        payload.update(ticket=ticket, priority=priority or "normal")
    if ask is not None:
        payload["ask"] = ask
    return payload
