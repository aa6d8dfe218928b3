"""A long conversation starts a new session. Every turn reads, replays, copies and sends to the action server all
events of the conversation's session, so a turn slows down as the session grows. A session now also ends once it
holds `IPDESK_SESSION_MAX_EVENTS` events (200, about thirty turns) and no form is under way; the new session
carries the slots over (domain.yml), so the conversation goes on where it was. Rasa carries them over by repeating
every slot event of the old session, the ones it carried into it included, so each session began longer than the
last; it now carries each slot's last value once.

Tested by tests/test_rest_end_to_end.py (a long conversation goes on in new sessions where it was).
"""

from __future__ import annotations

import os
from typing import Any

from bot.settings import text

#: A session ends once it holds this many events (about thirty turns) and no form is under way.
DEFAULT_SESSION_MAX_EVENTS = 200


def install() -> None:
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    _end_long_sessions(MessageProcessor, session_max_events())
    _carry_slots_once(ActionSessionStart)


def session_max_events() -> int:
    raw = text(os.environ, "IPDESK_SESSION_MAX_EVENTS") or ""
    value = int(raw) if raw.isdigit() else DEFAULT_SESSION_MAX_EVENTS
    return max(value, 20)


def _end_long_sessions(processor_class: Any, max_events: int) -> None:
    has_expired = processor_class._has_session_expired

    def _has_session_expired(self: Any, tracker: Any) -> bool:
        if has_expired(self, tracker):
            return True
        if not self.domain.session_config.are_sessions_enabled() or tracker.active_loop_name:
            return False
        return _events_in_session(tracker, max_events) >= max_events

    processor_class._has_session_expired = _has_session_expired


def _carry_slots_once(session_start_class: Any) -> None:
    from rasa.shared.core.events import SlotSet

    def _slot_set_events_from_tracker(tracker: Any) -> list[Any]:
        latest: dict[str, Any] = {}
        for event in tracker.applied_events():
            if isinstance(event, SlotSet):
                latest.pop(event.key, None)  # keep the order in which the slots last changed
                latest[event.key] = event
        return [SlotSet(key=e.key, value=e.value, metadata=e.metadata) for e in latest.values()]

    session_start_class._slot_set_events_from_tracker = staticmethod(_slot_set_events_from_tracker)


def _events_in_session(tracker: Any, limit: int) -> int:
    """The events since the session began, counted up to `limit`."""
    from rasa.shared.core.events import SessionStarted

    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted) or count >= limit:
            break
        count += 1
    return count
