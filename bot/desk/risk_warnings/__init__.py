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

from bot.desk.risk_warnings.criteria import DIMENSIONS, Criteria, criteria_from_entities, matches, parse_criteria
from bot.desk.risk_warnings.form import FIELD_LABELS, IMPORT_FIELDS, WarningDraft, WarningFormError
from bot.desk.risk_warnings.importing import SAMPLES
from bot.desk.risk_warnings.service import (
    DELIVERY_STATES,
    KIND,
    DeliveryCounts,
    ImportReport,
    OnChange,
    Published,
    Warnings,
    mark_blocked,
)
from bot.desk.risk_warnings.text import SOURCE_PREFIX, source_id, warning_text

__all__ = [
    "DELIVERY_STATES",
    "DIMENSIONS",
    "FIELD_LABELS",
    "IMPORT_FIELDS",
    "KIND",
    "SAMPLES",
    "SOURCE_PREFIX",
    "Criteria",
    "DeliveryCounts",
    "ImportReport",
    "OnChange",
    "Published",
    "WarningDraft",
    "WarningFormError",
    "Warnings",
    "criteria_from_entities",
    "mark_blocked",
    "matches",
    "parse_criteria",
    "source_id",
    "warning_text",
]
