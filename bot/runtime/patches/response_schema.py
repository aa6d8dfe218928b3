"""Per-turn work done once. Every answer of the action server is checked against Rasa's response schema with
`jsonschema.validate`, which first checks the *schema itself* against the JSON Schema meta-schema: about 45 ms of
CPU per custom action. The schema never changes, so validators are built for it once, one per event type (same
checks, same error). Every event read back from the tracker store finds its class by walking all subclasses of
`Event`: the lookup is remembered.

Tested by tests/test_rasa_server.py (an answer is accepted exactly when Rasa's schema accepts it).
"""

from __future__ import annotations

import functools
from typing import Any, Callable


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    is_valid = response_checker(RemoteAction.action_response_format_spec())
    original_validate: Callable[[RemoteAction, dict[str, Any]], bool] = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        return original_validate(self, result)  # Rasa's own check raises its own error, with its own wording

    validate_action_result._ipdesk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

    resolve = Event.resolve_by_type

    @functools.lru_cache(maxsize=None)
    def resolve_known(type_name: str) -> Any:
        return resolve(type_name, None)

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = resolve_known(type_name)
        if found is not None:
            return found
        return resolve(type_name, default)  # unknown names keep Rasa's behaviour (default, None or ValueError)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]


def installed() -> bool:
    """Whether the fixes are in this process already (the validator is the marker)."""
    from rasa.core.actions.action import RemoteAction

    return getattr(RemoteAction._validate_action_result, "_ipdesk", False)


def response_checker(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether an action server's answer fits Rasa's response schema, with validators built once.

    Each event of the answer must match exactly one of the schema's `oneOf` event schemas, and jsonschema tries
    every one of them (23) for every event. Each of them fixes the `event` name to a constant of its own, so an
    event matches exactly one iff it matches the one its name picks: the same answer, a fraction of the work."""
    from jsonschema import validators

    def validator(part: dict[str, Any]) -> Any:
        return validators.validator_for(schema)(part)

    events = schema["properties"]["events"]
    item = events["items"]
    by_name = {variant["properties"]["event"]["const"]: variant for variant in item["oneOf"]}
    if len(by_name) != len(item["oneOf"]):  # a schema of another Rasa version: check it as it is
        return validator(schema).is_valid
    outer = validator({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})
    base = {key: value for key, value in item.items() if key != "oneOf"}
    per_event = {name: validator({**base, "allOf": [variant]}) for name, variant in by_name.items()}

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            if not isinstance(name, str) or name not in per_event or not per_event[name].is_valid(event):
                return False
        return True

    return is_valid
