"""The REST channel under random input (hypothesis) on the running stack: random Unicode, control characters, messages
of 100 000 characters, bodies that are not JSON or not the right JSON. Every request gets a turn that keeps the reply
contract or a clear refusal — never a 500 — and nothing stored (another conversation, the desk) changes."""

from __future__ import annotations

from typing import Any

import json
import urllib.error
import urllib.request
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.helpers.rest import customs, say
from sqlalchemy import func, select

from bot.contracts import REPLY_KINDS
from bot.desk.db import make_engine, sessions
from bot.desk.schema import Ticket, TicketEvent

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KINDS = set(REPLY_KINDS)

unicode_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=50),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300),  # type: ignore[arg-type]
    st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["专利", "a", "\u0000", "🀄", "\u202e"]),
        st.sampled_from([2_001, 4_001, 50_000]),
    ),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | unicode_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def post(stack, body: bytes, content_type: str = "application/json") -> tuple[int, object]:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw.decode("utf-8", "replace")


def check(status: int, answer: Any) -> None:
    """A turn under the reply contract, or a refusal that says why; never a server error."""
    assert status in (200, 400, 413, 429), (status, str(answer)[:300])
    if status == 200:
        turns = customs(answer)
        assert turns and turns[-1]["kind"] in KINDS, answer
    else:
        assert isinstance(answer, dict) and answer.get("error"), answer


@pytest.fixture()
def untouched(stack):
    """Another enterprise's conversation and the desk, as they were before; checked again after the fuzzing."""
    say(stack, "fuzz-bystander", "ITC 337调查一般多长时间")

    def snapshot():
        url = f"{stack.rasa_url}/conversations/fuzz-bystander/tracker?token={stack.rasa_token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            events = json.loads(response.read())["events"]
        engine = make_engine(stack.environment()["IPDESK_DATABASE_URL"])
        try:
            with sessions(engine)() as session:
                desk = {
                    m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in (Ticket, TicketEvent)
                }
        finally:
            engine.dispose()
        return events, desk

    before = snapshot()
    yield
    assert snapshot() == before


def test_random_messages_get_a_turn_or_a_clear_refusal(stack, untouched):
    @FUZZ
    @given(message=unicode_text)
    @example(message="\u0000\u0007\u001b[31m337调查")
    @example(message="专利" * 50_000)  # 100 000 characters
    @example(message="\ud83d")  # half a surrogate pair, as broken clients send
    @example(message="\u202e" * 2001)  # direction marks only: nothing is left for the classifiers to read
    def send(message):
        body = json.dumps({"sender": f"fuzz-{uuid.uuid4().hex[:12]}", "message": message}).encode()
        check(*post(stack, body))

    send()


def test_random_bodies_get_a_clear_refusal(stack, untouched):
    @FUZZ
    @given(
        body=st.one_of(
            json_value.map(lambda v: json.dumps(v).encode()),
            st.binary(max_size=300),
            st.dictionaries(
                st.sampled_from(["sender", "message", "metadata", "input_channel"]), json_value, max_size=4
            ).map(lambda v: json.dumps(v).encode()),
        )
    )
    @example(body=b'{"sender": "a", "message": ')
    @example(body=b"[1, 2]")
    @example(body=b'{"sender": "fuzz-num", "message": 5}')
    @example(body=b'{"message": "hello"}')
    @example(body=b'{"sender": "tg:123", "message": "hi"}')
    @example(body=b'{"sender": {"x": 1}, "message": "hi"}')
    def send(body):
        check(*post(stack, body))

    send()
