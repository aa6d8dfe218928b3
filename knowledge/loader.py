"""Loading and validating the knowledge files into a `KnowledgeBase`.

Everything is checked before anything is used: a broken file raises `KnowledgeError` listing each problem by
file and line, and a running bot that reloads keeps its last good knowledge (see `knowledge.base.LiveKnowledge`).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from knowledge.items import Item, Localized, PolicyDocument
from knowledge.vocabulary import ENTITIES, Vocabulary
from knowledge.yamlfile import Checker, LineDict, read_yaml

DATA_DIR = Path(__file__).parent / "data"
POLICY_FILE = "policy.yml"
FAQ_DIR = "faq"
CASES_FILE = "cases.yml"
EXHIBITIONS_FILE = "exhibitions.yml"
VOCABULARY_FILE = "vocabulary.yml"
REFERRALS_FILE = "referrals.yml"
#: The referral given when no other one fits a question this desk does not handle.
DEFAULT_REFERRAL = "referral:default"


def shipped_text() -> str:
    """Every knowledge file as shipped, as one text: where the readers that do not search the published knowledge
    (the pinyin reader, the guard's sound-alikes) learn the domain's words."""
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(DATA_DIR.rglob("*.yml")))


#: An answer is read on a phone: past this it needs a "more" rather than a longer text.
MAX_ANSWER_ZH = 300
MAX_ANSWER_EN = 900
_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_POLICY_REF = re.compile(r"^policy:([1-9][0-9]?)$")


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


def _checked(check: Checker, node: LineDict, where: str) -> datetime.date | None:
    """`checked: 2026-12-05`, the day the item's facts were last checked against its sources: a real date, not later
    than today. Every item has one, so a reply can say how current it is and `check --stale` can list the old ones."""
    value = node.get("checked")
    if value is None:
        check.fail(node, f"{where}checked is missing (the date its facts were last checked, e.g. checked: 2026-12-05)")
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        check.fail(node, f"{where}checked: {value!r} is not a date (write it as YYYY-MM-DD, e.g. 2026-12-05)")
        return None
    if value > datetime.date.today():
        check.fail(node, f"{where}checked: {value.isoformat()} is in the future")
        return None
    return value


def _origin(check: Checker, node: LineDict) -> str:
    return f"{check.path}:{getattr(node, 'line', 1)}"


def _tags(check: Checker, node: LineDict, where: str, vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """Entity tags, each a canonical vocabulary value (a typo here would silently never match)."""
    tags: dict[str, tuple[str, ...]] = {}
    raw = node.get("tags")
    if raw is None:
        return tags
    table = check.mapping(raw, f"{where}tags")
    if table is None:
        return tags
    for entity in table:
        if entity not in ENTITIES:
            check.fail(table, f"{where}tags: unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
            continue
        found = check.strings(table, entity, f"{where}tags.")
        for value in found:
            if value not in vocabulary.entities[entity]:
                check.fail(table, f"{where}tags.{entity}: {value!r} is not a value in {VOCABULARY_FILE}")
        tags[entity] = found
    return tags


def _questions(check: Checker, node: LineDict, where: str) -> tuple[str, ...]:
    """Optional example questions, `questions: {zh: [...], en: [...]}`, as users would type them."""
    if "questions" not in node:
        return ()
    table = check.mapping(node.get("questions"), f"{where}questions")
    if table is None:
        return ()
    return check.strings(table, "zh", f"{where}questions.", required=False) + check.strings(
        table, "en", f"{where}questions.", required=False
    )


def _common(check: Checker, node: LineDict, where: str, vocabulary: Vocabulary, *, text_required: bool = True) -> dict:
    """The fields every kind of item has."""
    keywords = check.mapping(node.get("keywords"), f"{where}keywords") or node
    intents = check.strings(node, "intents", where)
    for intent in intents:
        if not _INTENT.match(intent):
            check.fail(node, f"{where}intents: {intent!r} is not an intent name")
    return dict(
        questions=_questions(check, node, where),
        title=_localized(check, node, "title", where),
        answer=_localized(check, node, "answer", where, zh=MAX_ANSWER_ZH, en=MAX_ANSWER_EN),
        text=_localized(check, node, "text", where) if text_required or "text" in node else Localized("", ""),
        keywords_zh=check.strings(keywords, "zh", f"{where}keywords."),
        keywords_en=check.strings(keywords, "en", f"{where}keywords."),
        intents=intents,
        tags=_tags(check, node, where, vocabulary),
        checked=_checked(check, node, where),
        origin=_origin(check, node),
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
            check.fail(
                node, f"item {position}: id is {item_id or 'missing'}, expected {expected} (measures in document order)"
            )
        where = f"{expected}: "
        items.append(
            Item(
                id=expected,
                kind="policy",
                number=position,
                part=_localized(check, node, "part", where),
                **_common(check, node, where, vocabulary),
            )
        )
    check.raise_if_any()
    return policy, items


def load_referrals(path: Path, vocabulary: Vocabulary, measures: int) -> list[Item]:
    """Where questions this desk does not handle go (`referral:<slug>`): items like FAQ entries, whose answer names
    the office, its hotline and its official page, and whose example questions let the search tell a neighbouring
    matter (a domestic filing, a tax rebate) from an overseas IP one. `referral:default` is required: it is given
    when no other referral fits."""
    check = Checker(path)
    items = []
    for position, raw in enumerate(_item_list(check, read_yaml(path), "the referrals file"), start=1):
        node = check.mapping(raw, f"referral {position}")
        if node is None:
            continue
        item_id = _slug_id(check, node, position, "referral")
        where = f"{item_id or f'referral {position}'}: "
        fields = _common(check, node, where, vocabulary, text_required=False)
        items.append(
            Item(
                id=item_id,
                kind="referral",
                policy=_references(check, node, where, measures, required=False),
                sources=check.strings(node, "sources", where),
                **fields,
            )
        )
    if items and not any(item.id == DEFAULT_REFERRAL for item in items):
        check.fail(read_yaml(path), f"{DEFAULT_REFERRAL} is missing: it answers what no other referral fits")
    check.raise_if_any()
    return items


def _item_list(check: Checker, data: object, what: str) -> list:
    """A file's items: either the file is a list, or a mapping with an `items` list."""
    if isinstance(data, LineDict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, list):
        return data
    check.fail(data, f"{what} must be a list of items (or have an `items:` list)")
    return []


def _references(check: Checker, node: LineDict, where: str, measures: int, *, required: bool = True) -> tuple[str, ...]:
    refs = check.strings(node, "policy", where, required=required)
    for ref in refs:
        match = _POLICY_REF.match(ref)
        if not match or not 1 <= int(match.group(1)) <= measures:
            check.fail(node, f"{where}policy: {ref!r} is not a measure (policy:1 … policy:{measures})")
    return refs


def _slug_id(check: Checker, node: LineDict, position: int, kind: str) -> str:
    raw = str(node.get("id", ""))
    prefix, _, slug = raw.partition(":")
    if prefix != kind or not _SLUG.match(slug):
        check.fail(node, f"{kind} {position}: id {raw or '(missing)'!r} must look like {kind}:lower-case-words")
    return raw


def load_faq(path: Path, vocabulary: Vocabulary, measures: int) -> list[Item]:
    """FAQ entries: a short answer (first steps and deadlines first), optional detail, measures and sources."""
    check = Checker(path)
    items = []
    for position, raw in enumerate(_item_list(check, read_yaml(path), "a FAQ file"), start=1):
        node = check.mapping(raw, f"faq {position}")
        if node is None:
            continue
        item_id = _slug_id(check, node, position, "faq")
        where = f"{item_id or f'faq {position}'}: "
        items.append(
            Item(
                id=item_id,
                kind="faq",
                policy=_references(check, node, where, measures),
                sources=check.strings(node, "sources", where),
                **_common(check, node, where, vocabulary, text_required=False),
            )
        )
    check.raise_if_any()
    return items


CASE_DETAILS = ("outcome", "lessons")


def case_from_fields(check: Checker, node: LineDict, position: int, vocabulary: Vocabulary, measures: int) -> Item:
    """One typical case. Its summary is the answer; outcome and lessons follow it; every case says its source
    and whether it is illustrative (written as an example) rather than a real, citable case."""
    item_id = _slug_id(check, node, position, "case")
    where = f"{item_id or f'case {position}'}: "
    illustrative = node.get("illustrative")
    if not isinstance(illustrative, bool):
        check.fail(node, f"{where}illustrative must be true or false (true: an example, not a real case)")
    tags = _tags(check, node, where, vocabulary)
    for entity in ENTITIES:
        if not tags.get(entity):
            check.fail(node, f"{where}tags.{entity} is missing: a case names its {entity.replace('_', ' ')}")
    keywords = check.mapping(node.get("keywords"), f"{where}keywords") if "keywords" in node else None
    shown = sum(
        len(str((node.get(field) or {}).get("zh", "")))
        for field in ("summary", *CASE_DETAILS)
        if isinstance(node.get(field), dict)
    )
    if shown > MAX_ANSWER_ZH:
        check.fail(
            node, f"{where}summary, outcome and lessons have {shown} characters together, more than {MAX_ANSWER_ZH}"
        )
    return Item(
        id=item_id,
        kind="case",
        title=_localized(check, node, "title", where),
        answer=_localized(check, node, "summary", where, zh=MAX_ANSWER_ZH, en=MAX_ANSWER_EN),
        text=Localized("", ""),
        details={name: _localized(check, node, name, where) for name in CASE_DETAILS},
        questions=_questions(check, node, where),
        keywords_zh=check.strings(keywords, "zh", f"{where}keywords.") if keywords else (),
        keywords_en=check.strings(keywords, "en", f"{where}keywords.") if keywords else (),
        intents=tuple(dict.fromkeys(("ask_typical_cases", *check.strings(node, "intents", where, required=False)))),
        tags=tags,
        policy=_references(check, node, where, measures),
        sources=(check.text(node, "source", where),),
        illustrative=bool(illustrative),
        checked=_checked(check, node, where),
        origin=_origin(check, node),
    )


def load_cases(path: Path, vocabulary: Vocabulary, measures: int) -> list[Item]:
    check = Checker(path)
    items = []
    for position, raw in enumerate(_item_list(check, read_yaml(path), "the cases file"), start=1):
        node = check.mapping(raw, f"case {position}")
        if node is not None:
            items.append(case_from_fields(check, node, position, vocabulary, measures))
    check.raise_if_any()
    return items


#: A pre-show checklist's sections, in the order a reply gives them, with their headings.
CHECKLIST_SECTIONS = {
    "rights": Localized("带上哪些权利", "Rights to carry"),
    "search": Localized("展前检索", "Search against local rights"),
    "documents": Localized("带齐材料", "Documents to bring"),
    "if_served": Localized("在展台被投诉或送达文件时", "If served at the booth"),
}


def load_checklists(path: Path, vocabulary: Vocabulary, measures: int) -> tuple[list[Item], dict[str, str]]:
    """The pre-show checklists (`checklist:<slug>`) and the places (city → country) that lead to them.

    Each country of the vocabulary has at most one checklist, and exactly one checklist is `general: true`, for the
    countries without one of their own.
    """
    check = Checker(path)
    root = check.mapping(read_yaml(path), "the exhibitions file")
    if root is None:
        check.raise_if_any()
    countries = vocabulary.entities.get("country", {})
    places: dict[str, str] = {}
    table = check.mapping(root.get("places"), "places") if "places" in root else None
    for country, forms in (table or {}).items():
        if country not in countries:
            check.fail(table, f"places: {country!r} is not a country in {VOCABULARY_FILE}")
        for form in check.strings(table, country, "places."):
            other = places.setdefault(form.casefold(), str(country))
            if other != country:
                check.fail(table, f"places: {form!r} is given for both {other} and {country}")
    items: list[Item] = []
    covered: dict[str, str] = {}
    general = []
    for position, raw in enumerate(root.get("checklists") or [], start=1):
        node = check.mapping(raw, f"checklist {position}")
        if node is None:
            continue
        item_id = _slug_id(check, node, position, "checklist")
        where = f"{item_id or f'checklist {position}'}: "
        named = check.strings(node, "countries", where, required=False)
        if node.get("general") is True:
            general.append(item_id)
            if named:
                check.fail(node, f"{where}the general checklist names no countries")
        elif not named:
            check.fail(node, f"{where}countries must be a non-empty list (or general: true)")
        for country in named:
            if country not in countries:
                check.fail(node, f"{where}countries: {country!r} is not a country in {VOCABULARY_FILE}")
            elif covered.setdefault(country, item_id) != item_id:
                check.fail(node, f"{where}{country} already has {covered[country]}")
        sections = {name: _localized(check, node, name, where) for name in CHECKLIST_SECTIONS}
        text = Localized(
            *(
                "\n".join(
                    f"【{heading.zh}】{sections[name].zh}" if language == "zh" else f"{heading.en}: {sections[name].en}"
                    for name, heading in CHECKLIST_SECTIONS.items()
                )
                for language in ("zh", "en")
            )
        )
        items.append(
            Item(
                id=item_id,
                kind="checklist",
                title=_localized(check, node, "title", where),
                answer=_localized(check, node, "summary", where, zh=MAX_ANSWER_ZH, en=MAX_ANSWER_EN),
                text=text,
                details=sections,
                keywords_zh=(),
                keywords_en=(),
                intents=(),
                tags={"country": named} if named else {},
                policy=_references(check, node, where, measures),
                sources=check.strings(node, "sources", where),
                checked=_checked(check, node, where),
                origin=_origin(check, node),
            )
        )
    if len(general) != 1:
        check.fail(root, f"exactly one checklist must be general: true (found {len(general)})")
    check.raise_if_any()
    return items, places
