"""Loading and validating the knowledge files into a `KnowledgeBase`.

Everything is checked before anything is used: a broken file raises `KnowledgeError` listing each problem by
file and line, and a running bot that reloads keeps its last good knowledge (see `KnowledgeBase.reload`).
"""
from __future__ import annotations

import re
from pathlib import Path
from knowledge.items import Item, Localized, PolicyDocument, Referral
from knowledge.vocabulary import ENTITIES, Vocabulary, load_vocabulary
from knowledge.yamlfile import Checker, LineDict, read_yaml

DATA_DIR = Path(__file__).parent / "data"
POLICY_FILE = "policy.yml"
VOCABULARY_FILE = "vocabulary.yml"
REFERRALS_FILE = "referrals.yml"

#: An answer is read on a phone: past this it needs a "more" rather than a longer text.
MAX_ANSWER_ZH = 300
MAX_ANSWER_EN = 900
_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")


def _localized(check: Checker, parent: LineDict, key: str, where: str, **limits: int) -> Localized:
    node = check.mapping(parent.get(key), f"{where}{key}") if key in parent else None
    if node is None:
        if key not in parent:
            check.fail(parent, f"{where}{key} is missing")
        return Localized("", "")
    return Localized(
        check.text(node, "zh", f"{where}{key}.", max_length=limits.get("zh")),
        check.text(node, "en", f"{where}{key}.", max_length=limits.get("en")),
    )


def _tags(check: Checker, node: LineDict, where: str, vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """Entity tags, each a canonical vocabulary value (a typo here would silently never match)."""
    tags: dict[str, tuple[str, ...]] = {}
    raw = node.get("tags")
    if raw is None:
        return tags
    table = check.mapping(raw, f"{where}tags")
    if table is None:
        return tags
    for entity, values in table.items():
        if entity not in ENTITIES:
            check.fail(table, f"{where}tags: unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
            continue
        found = check.strings(table, entity, f"{where}tags.")
        for value in found:
            if value not in vocabulary.entities[entity]:
                check.fail(table, f"{where}tags.{entity}: {value!r} is not a value in {VOCABULARY_FILE}")
        tags[entity] = found
    return tags


def _common(check: Checker, node: LineDict, where: str, vocabulary: Vocabulary) -> dict:
    """The fields every kind of item has."""
    keywords = check.mapping(node.get("keywords"), f"{where}keywords") or node
    intents = check.strings(node, "intents", where)
    for intent in intents:
        if not _INTENT.match(intent):
            check.fail(node, f"{where}intents: {intent!r} is not an intent name")
    return dict(
        title=_localized(check, node, "title", where),
        answer=_localized(check, node, "answer", where, zh=MAX_ANSWER_ZH, en=MAX_ANSWER_EN),
        text=_localized(check, node, "text", where),
        keywords_zh=check.strings(keywords, "zh", f"{where}keywords."),
        keywords_en=check.strings(keywords, "en", f"{where}keywords."),
        intents=intents,
        tags=_tags(check, node, where, vocabulary),
    )


def load_policy(path: Path, vocabulary: Vocabulary) -> tuple[PolicyDocument, list[Item]]:
    """The policy document and its measures, numbered 1… in order as the document numbers them."""
    check = Checker(path)
    root = check.mapping(read_yaml(path), "the policy file")
    if root is None:
        check.raise_if_any()
    document = check.mapping(root.get("document"), "document") or root
    issuers = check.mapping(document.get("issuers"), "document.issuers") or document
    zh_issuers = check.strings(issuers, "zh", "document.issuers.")
    en_issuers = check.strings(issuers, "en", "document.issuers.")
    if len(zh_issuers) != len(en_issuers):
        check.fail(issuers, "document.issuers: zh and en must list the same issuers")
    policy = PolicyDocument(
        title=_localized(check, document, "title", "document."),
        short=_localized(check, document, "short", "document."),
        number=check.text(document, "number", "document."),
        issuers=tuple(Localized(zh, en) for zh, en in zip(zh_issuers, en_issuers)),
        date=str(document.get("date") or ""),
    )
    if not policy.date:
        check.fail(document, "document.date is missing")

    items: list[Item] = []
    raw_items = root.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        check.fail(root, "items must be a non-empty list")
        raw_items = []
    for position, raw in enumerate(raw_items, start=1):
        node = check.mapping(raw, f"item {position}")
        if node is None:
            continue
        item_id = str(node.get("id", ""))
        expected = f"policy:{position}"
        if item_id != expected:
            check.fail(node, f"item {position}: id is {item_id or 'missing'}, expected {expected} (measures in document order)")
        where = f"{expected}: "
        items.append(
            Item(id=expected, kind="policy", number=position, part=_localized(check, node, "part", where),
                 **_common(check, node, where, vocabulary))
        )
    check.raise_if_any()
    return policy, items


def load_referrals(path: Path) -> tuple[Referral, list[Referral]]:
    """The default referral and the keyword-matched ones, in the order they are tried."""
    check = Checker(path)
    root = check.mapping(read_yaml(path), "the referrals file")
    if root is None:
        check.raise_if_any()

    def referral(node: LineDict, referral_id: str, where: str, keywords: tuple[str, ...]) -> Referral:
        text = Localized(check.text(node, "zh", where), check.text(node, "en", where))
        return Referral(referral_id, keywords, text, check.text(node, "source", where))

    default_node = check.mapping(root.get("default"), "default") or root
    default = referral(default_node, "default", "default.", ())
    referrals = []
    raw = root.get("referrals")
    if not isinstance(raw, list):
        check.fail(root, "referrals must be a list")
        raw = []
    for position, entry in enumerate(raw, start=1):
        node = check.mapping(entry, f"referral {position}")
        if node is not None:
            referral_id = check.text(node, "id", f"referral {position}: ")
            where = f"referral {referral_id or position}: "
            referrals.append(referral(node, referral_id, where, check.strings(node, "keywords", where)))
    check.raise_if_any()
    return default, referrals
