"""The Rasa server as the launcher runs it (bot/runtime/server.py) understands exactly what Rasa's own does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlu.evaluate import load_examples

pytestmark = pytest.mark.stack  # loads Rasa and the trained model

ROOT = Path(__file__).resolve().parent.parent
PARSE = """
import json, sys
if sys.argv[1] == "ours":
    from bot.runtime.server import install
    install()
from nlu.evaluate import parse_all
texts = json.load(sys.stdin)
parsed = parse_all(sys.argv[2], texts)
with open(sys.argv[3], "w", encoding="utf-8") as out:
    json.dump([[[(r["name"], round(r["confidence"], 5)) for r in p["intent_ranking"]],
                sorted((e["entity"], e["value"]) for e in p["entities"])] for p in parsed], out)
"""


def parses(model: Path, texts: list[str], which: str, out: Path) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PARSE, which, str(model), str(out)],
        input=json.dumps(texts),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_model_loaded_for_prediction_only_reads_every_heldout_message_as_rasa_does(trained_model, tmp_path) -> None:
    texts = [example.text for example in load_examples()]
    ours = parses(trained_model, texts, "ours", tmp_path / "ours.json")
    assert len(ours) == len(texts) >= 300
    assert ours == parses(trained_model, texts, "rasa's", tmp_path / "rasa.json")


# --- The action server's answers are checked as Rasa's schema checks them, with validators built once.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from jsonschema import validators  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402

from bot.runtime.server import response_checker  # noqa: E402


SCHEMA = RemoteAction.action_response_format_spec()
EVENT_NAMES = [variant["properties"]["event"]["const"] for variant in SCHEMA["properties"]["events"]["items"]["oneOf"]]
#: Any JSON value, the wrong kind for most fields.
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["name", "text", "x"]), st.text(max_size=3), max_size=2),
)
#: Events as an action sends them: each kind Rasa knows with the fields it needs ...
valid_events = st.builds(
    lambda name, stamp, label, value: {
        "event": name,
        "timestamp": stamp,
        **({"name": label, "value": value} if name == "slot" else {}),
        **({"entities": []} if name == "entities" else {}),
    },
    st.sampled_from(EVENT_NAMES),
    st.one_of(st.none(), st.floats(allow_nan=False)),
    st.text(max_size=4),
    values,
)
#: ... and broken: a field of the wrong kind or missing, a name Rasa does not know, no event at all.
broken_events = st.one_of(
    st.builds(
        lambda event, field, value: {**event, field: value},
        valid_events,
        st.sampled_from(
            [
                "timestamp",
                "metadata",
                "name",
                "text",
                "value",
                "entities",
                "parse_data",
                "confidence",
                "policy",
                "input_channel",
                "hide_rule_turn",
                "event",
            ]
        ),
        values,
    ),
    st.builds(
        lambda event, field: {k: v for k, v in event.items() if k != field},
        valid_events,
        st.sampled_from(["event", "name", "value", "entities"]),
    ),
    values,
)
answers_with_events = st.fixed_dictionaries(
    {
        "events": st.lists(st.one_of(valid_events, valid_events, valid_events, broken_events), min_size=1, max_size=3),
        "responses": st.lists(st.fixed_dictionaries({"text": st.text(max_size=3)}), max_size=2),
    }
)
answers = st.one_of(
    answers_with_events,
    answers_with_events,
    answers_with_events,
    st.dictionaries(st.sampled_from(["events", "responses", "other"]), values, max_size=2),
    values,
)
RASA = validators.validator_for(SCHEMA)(SCHEMA)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(answers)
def test_an_action_servers_answer_is_accepted_exactly_when_rasas_schema_accepts_it(answer) -> None:
    assert response_checker(SCHEMA)(answer) is RASA.is_valid(answer)


def test_what_our_actions_answer_is_accepted_and_a_broken_event_is_not() -> None:
    check = response_checker(SCHEMA)
    answer = {
        "events": [
            {"event": "slot", "name": "country", "value": "德国", "timestamp": None},
            {"event": "active_loop", "name": "escalation_form"},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [
            {
                "text": "答复",
                "buttons": [{"title": "找专家", "payload": "/ask_expert"}],
                "custom": {"kind": "answer", "sources": ["policy:7"]},
            }
        ],
    }
    assert check(answer)
    assert not check({**answer, "events": [{"event": "slot", "name": 7, "value": "德国"}]})
    assert not check({**answer, "events": [{"event": "no_such_event"}]})
