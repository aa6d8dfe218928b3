"""What the knowledge base holds: bilingual items, each citable by a stable id."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Mapping

from knowledge.text import Language

#: Chinese numerals for the policy's measure numbers, as the document writes them: （七）, （十五）.
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 21 → 二十一 (enough for any measure number a policy has)."""
    if not 0 < number < 100:
        raise ValueError(f"no Chinese numeral for {number}")
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Localized:
    """One text in Simplified Chinese and English; Chinese is the reference, English its rendering."""

    zh: str
    en: str

    def get(self, language: Language) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class PolicyDocument:
    """The policy the product implements; every `policy:N` item is one of its measures."""

    title: Localized
    short: Localized
    number: str
    issuers: tuple[Localized, ...]
    date: str


@dataclass(frozen=True)
class Item:
    """One answerable piece of knowledge.

    `id` is what replies cite in `custom.sources` (`policy:7`, `faq:337-timeline`); `intents` are the NLU
    intents the item answers, which the search uses as a prior; `tags` are canonical entity values
    (country, ip_type, dispute_type, industry) from the vocabulary.
    """

    id: str
    kind: str
    title: Localized
    answer: Localized
    text: Localized
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    intents: tuple[str, ...]
    #: Other ways users ask for this item, in their words: the search matches questions against them.
    questions: tuple[str, ...] = ()
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The policy measures (`policy:N`) a FAQ entry or case relates to.
    policy: tuple[str, ...] = ()
    #: Where the facts come from: statutes, rules, official pages. Policy measures cite the document itself.
    sources: tuple[str, ...] = ()
    #: Named extra sections, e.g. a case's outcome and lessons.
    details: Mapping[str, Localized] = field(default_factory=dict)
    #: An example written for illustration, not a real case: replies say so.
    illustrative: bool = False
    number: int | None = None
    part: Localized | None = None
    #: When the item's facts were last checked against its sources (shown beside them; `check --stale` lists old ones).
    checked: datetime.date | None = None
    #: Where the item is written, "file:line", for staff reports such as `check --stale`.
    origin: str = ""

    @property
    def slug(self) -> str:
        return self.id.split(":", 1)[1]
