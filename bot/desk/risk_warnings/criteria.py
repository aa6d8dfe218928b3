"""What a subscription or a question is about: the criteria, read from what a user typed or from the NLU's
entities, and whether a warning matches them (the rules are in the package's docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from bot.desk.fields import strip_control
from bot.desk.matching import IP_FAMILIES, REGIONS, related
from knowledge import Language
from knowledge.vocabulary import Vocabulary

MAX_PRODUCT = 60
#: The kinds a warning and a subscription are described by: field, vocabulary entity, the families that relate values.
DIMENSIONS: tuple[tuple[str, str, Mapping[str, frozenset[str]]], ...] = (
    ("countries", "country", REGIONS),
    ("industries", "industry", {}),
    ("ip_types", "ip_type", IP_FAMILIES),
)


@dataclass(frozen=True)
class Criteria:
    """What a subscriber wants to hear about, or what a question asks about: canonical vocabulary values and free-text
    products. `everything` is a subscription to all warnings, asked for on purpose ("全部")."""

    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ip_types: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    everything: bool = False

    @property
    def empty(self) -> bool:
        """Nothing named, and not "all" either: the chat asks what to subscribe to."""
        return not self.named and not self.everything

    @property
    def named(self) -> bool:
        return bool(self.countries or self.industries or self.ip_types or self.products)

    def merged(self, other: "Criteria") -> "Criteria":
        countries, industries, ip_types, products = (
            tuple(dict.fromkeys((*getattr(self, name), *getattr(other, name))))
            for name in ("countries", "industries", "ip_types", "products")
        )
        return Criteria(countries, industries, ip_types, products, everything=self.everything or other.everything)

    @classmethod
    def of(cls, row: Any) -> "Criteria":
        """The criteria a subscription row stores (no criteria there means all warnings)."""
        criteria = cls(
            tuple(row.countries or ()),
            tuple(row.industries or ()),
            tuple(row.ip_types or ()),
            tuple(row.products or ()),
        )
        return criteria if criteria.named else cls(everything=True)

    def describe(self, language: Language, vocabulary: Vocabulary) -> str:
        """ "美国、德国 / 机械装备 / 专利 / 产品：电动滑板车" — or "全部预警"."""
        if not self.named:
            return "all warnings" if language == "en" else "全部预警"
        parts = [
            ("、" if language == "zh" else ", ").join(
                vocabulary.label(entity, value, language) for value in getattr(self, name)
            )
            for name, entity, _ in DIMENSIONS
            if getattr(self, name)
        ]
        if self.products:
            parts.append(
                ("products: " if language == "en" else "产品：")
                + ("、" if language == "zh" else ", ").join(self.products)
            )
        return " / ".join(parts)

    def same_as(self, other: "Criteria") -> bool:
        return (
            all(
                sorted(getattr(self, name)) == sorted(getattr(other, name))
                for name in ("countries", "industries", "ip_types", "products")
            )
            and self.named == other.named
        )


_EVERYTHING = re.compile(r"全部|所有|一切|不限|(?<![A-Za-z])(?:all|every|everything)(?![A-Za-z])", re.IGNORECASE)
_PRODUCTS_LISTED = re.compile(r"(?:产品|(?<![A-Za-z])products?)\s*[:：]\s*([^。！？!?\n]+)", re.IGNORECASE)
_PRODUCT_NAMED = re.compile(r"([\u4e00-\u9fffA-Za-z0-9\-]{2,40}?)(?:类|等)?产品")
_PRODUCT_SEPARATORS = re.compile(r"[、,，;；/]|(?<![A-Za-z])and(?![A-Za-z])", re.IGNORECASE)


#: What leads up to a product's name in "订阅电动滑板车产品的预警": everything up to the last of these is not the product.
_LEAD_IN = re.compile(r"^.*(?:订阅|订|关于|有关|针对|关注|推送|给我|我们的|我们|我司|本公司|公司的|的)")
_NOT_PRODUCTS = {"相关", "这类", "这些", "出口", "全部", "所有", "各类", "有关", "中国", "我们", "本公司", "其他"}


def parse_criteria(text: str, vocabulary: Vocabulary) -> Criteria:
    """The criteria named in what a user typed: "订阅美国 机械 专利预警", "帮我订阅德国那边电子产品的外观设计预警",
    "产品：电动滑板车、无人机", "Subscribe me to EU solar alerts", "全部预警".

    Countries, industries and IP types are the vocabulary's values in any of the forms users type (`Vocabulary.find`).
    Products are free text, so they are taken only where the user says they are products ("产品：…", "…产品"): a
    guess from leftover words would store "那边" as a product.
    """
    text = strip_control(text or "")
    spans = vocabulary.find(text)
    found: dict[str, list[str]] = {}
    for entity, value, _, _ in spans:
        values = found.setdefault(entity, [])
        if value not in values:
            values.append(value)
    # Products are looked for in the text without the vocabulary's words ("电子产品" is an industry, not a product).
    rest = list(text)
    for _, _, start, end in spans:
        rest[start:end] = " " * (end - start)
    remainder = "".join(rest)
    products: list[str] = []
    listed = _PRODUCTS_LISTED.search(remainder)
    if listed:
        candidates = _PRODUCT_SEPARATORS.split(listed.group(1))
    else:
        candidates = [_LEAD_IN.sub("", match.group(1)) for match in _PRODUCT_NAMED.finditer(remainder)]
    for candidate in candidates:
        name = re.sub(
            r"(?:的|等)?(?:预警|风险提示|warnings?|alerts?)$", "", candidate.strip(), flags=re.IGNORECASE
        ).strip()
        if 2 <= len(name) <= MAX_PRODUCT and name not in _NOT_PRODUCTS and name not in products:
            products.append(name)
    criteria = Criteria(
        tuple(found.get("country", ())),
        tuple(found.get("industry", ())),
        tuple(found.get("ip_type", ())),
        tuple(products),
    )
    if not criteria.named and _EVERYTHING.search(text):
        return Criteria(everything=True)
    return criteria


def criteria_from_entities(entities: Mapping[str, Iterable[str]]) -> Criteria:
    """Criteria from the NLU's canonical entities (entity → values)."""
    return Criteria(
        tuple(entities.get("country", ())), tuple(entities.get("industry", ())), tuple(entities.get("ip_type", ()))
    )


def matches(warning: Any, criteria: Criteria) -> bool:
    """Whether `warning` (a RiskWarning or a draft) concerns what `criteria` ask about (see the module's rules)."""
    for name, _, families in DIMENSIONS:
        wanted, named = getattr(criteria, name), getattr(warning, name) or ()
        if wanted and named and not any(related(w, n, families) for w in wanted for n in named):
            return False
    if criteria.products:
        haystacks = [p.casefold() for p in warning.products or ()]
        titles = [t.casefold() for t in (warning.title, getattr(warning, "title_en", None)) if t]
        if not any(
            product.casefold() in hay or hay in product.casefold() for product in criteria.products for hay in haystacks
        ) and not any(product.casefold() in title for product in criteria.products for title in titles):
            return False
    return True
