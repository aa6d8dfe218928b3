"""The contracts between the parts are defined once (bot/contracts.py), and every part that writes or reads them
holds to that one definition."""

from __future__ import annotations

import re
from pathlib import Path

from bot import contracts
from bot.desk import schema
from bot.desk.outbox import KIND_LABELS

ROOT = Path(__file__).resolve().parent.parent


def test_the_actions_write_every_reply_kind_but_holding_and_nothing_else() -> None:
    from actions.turn import KINDS

    assert set(contracts.REPLY_KINDS) - {"holding"} == KINDS
    assert set(contracts.ACTION_REPLY_KINDS) | {"holding"} == set(contracts.REPLY_KINDS)


def test_the_databases_checks_are_the_contracts_values() -> None:
    assert schema.TICKET_STATUSES is contracts.TICKET_STATUSES
    assert schema.OUTBOX_STATUSES is contracts.OUTBOX_STATUSES
    assert schema.CALL_CHANNELS is contracts.CALL_CHANNELS
    assert set(contracts.OPEN_STATUSES) == set(contracts.TICKET_STATUSES) - {"closed"}


def test_every_kind_of_outbox_message_has_a_label_for_staff() -> None:
    assert set(KIND_LABELS) == set(contracts.MESSAGE_KINDS)


def test_the_architecture_documents_the_reply_contract() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for kind in contracts.REPLY_KINDS:
        assert f"`{kind}`" in text, kind
    for reason in contracts.OUT_OF_SCOPE_REASONS:
        assert f"`{reason}`" in text, reason
    assert "`suggestions`" in text and "`reason`" in text
    assert not re.search(r"\.\./shared|DESIGN\.md", text)
