"""The entity vocabulary: canonical values, their English labels, and the surface forms users type.

`knowledge/data/vocabulary.yml` is the single source. The NLU's lookup tables, regexes and synonyms are
rendered from it (`python -m knowledge vocabulary`), and replies use it to name a value in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from knowledge.text import Language
from knowledge.yamlfile import Checker, read_yaml

VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.yml"
NLU_FILE = Path(__file__).resolve().parent.parent / "nlu" / "train" / "vocabulary.yml"
ENTITIES = ("country", "ip_type", "dispute_type", "industry")

_CJK = re.compile(r"[\u3400-\u9fff]")
_SHORT_CODE = re.compile(r"^[A-Z0-9.]{1,3}$")


@dataclass(frozen=True)
class Term:
    """A canonical value of an entity."""

    value: str
    en: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    entities: Mapping[str, Mapping[str, Term]]

    def label(self, entity: str, value: str, language: Language) -> str:
        """The value as a reply names it: the canonical Chinese, or its English label."""
        term = self.entities.get(entity, {}).get(value)
        if term is None or language == "zh":
            return value
        return term.en

    def canonical(self, entity: str, surface: str) -> str | None:
        """Map what a user typed to the canonical value, or None when the vocabulary does not know it."""
        folded = surface.strip().casefold()
        for term in self.entities.get(entity, {}).values():
            if folded == term.value.casefold() or folded in (form.casefold() for form in term.forms):
                return term.value
        return None

    def canonical_within(self, entity: str, span: str) -> str | None:
        """The canonical value of the longest known form inside a longer span ("ITC investigation" → 337调查)."""
        folded = span.casefold()
        best: tuple[int, str] | None = None
        for term in self.entities.get(entity, {}).values():
            for form in (term.value, *term.forms):
                if form.casefold() in folded and (best is None or len(form) > best[0]):
                    best = (len(form), term.value)
        return best[1] if best else None

    def find(self, text: str) -> list[tuple[str, str, int, int]]:
        """Every known value named in `text`: (entity, canonical value, start, end), in order of appearance.

        Forms are matched longest first and never overlap, so "外观设计专利" is one 外观设计 and not also a 专利. Forms in
        Latin letters match only as whole words, and short capital codes (US, EU) only in capitals, as in the NLU's
        regexes (`render_nlu`): "contact us" names no country.
        """
        forms = sorted(
            (
                (form, entity, term.value)
                for entity, terms in self.entities.items()
                for term in terms.values()
                for form in (term.value, *term.forms)
            ),
            key=lambda found: -len(found[0]),
        )
        taken = [False] * len(text)
        spans = []
        for form, entity, value in forms:
            for match in _form_pattern(form).finditer(text):
                start, end = match.span()
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    spans.append((entity, value, start, end))
        return sorted(spans, key=lambda span: span[2])


@lru_cache(maxsize=4096)
def _form_pattern(form: str) -> re.Pattern[str]:
    """How one surface form is found in running text (see `Vocabulary.find`)."""
    if _CJK.search(form) or not re.search("[A-Za-z]", form):
        return re.compile(re.escape(form), re.IGNORECASE)
    flags = 0 if _SHORT_CODE.match(form) else re.IGNORECASE
    return re.compile(r"(?<![A-Za-z])" + re.escape(form).replace(r"\ ", r"[\s-]+") + r"(?![A-Za-z])", flags)


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    data = read_yaml(path)
    check = Checker(path)
    entities: dict[str, dict[str, Term]] = {}
    root = check.mapping(data, "the vocabulary")
    if root is not None:
        for entity in ENTITIES:
            if entity not in root:
                check.fail(root, f"entity {entity} is missing")
        for entity, values in root.items():
            if entity not in ENTITIES:
                check.fail(root, f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
                continue
            table = check.mapping(values, entity)
            if table is None:
                continue
            entities[entity] = {}
            seen: dict[str, str] = {}
            for value, spec in table.items():
                term = check.mapping(spec, f"{entity}.{value}")
                if term is None:
                    continue
                en = check.text(term, "en", f"{entity}.{value}.")
                forms = tuple(
                    dict.fromkeys(f for f in check.strings(term, "forms", f"{entity}.{value}.") if f != value)
                )
                for surface in (str(value), *forms):
                    other = seen.setdefault(surface.casefold(), str(value))
                    if other != str(value):
                        check.fail(term, f"{entity}: {surface!r} is a form of both {other} and {value}")
                entities[entity][str(value)] = Term(str(value), en, forms)
    check.raise_if_any()
    return Vocabulary(entities)


def _latin_pattern(forms: list[str]) -> str:
    """A regex matching Latin-script forms as whole words; short all-capital codes only in capitals."""

    def alternation(group: list[str]) -> str:
        escaped = [re.escape(form).replace(r"\ ", r"[\s-]+") for form in sorted(group, key=len, reverse=True)]
        return "|".join(escaped)

    codes = [f for f in forms if _SHORT_CODE.match(f)]
    words = [f for f in forms if f not in codes]
    parts = []
    if words:
        parts.append(alternation(words))
    if codes:
        parts.append(f"(?-i:{alternation(codes)})")
    return r"(?<![A-Za-z])(?:" + "|".join(parts) + r")(?![A-Za-z])"


def render_nlu(vocabulary: Vocabulary) -> str:
    """Rasa training data: a lookup table (Chinese forms), a regex (Latin forms) and synonyms per entity."""
    out = [
        "# Generated from knowledge/data/vocabulary.yml by `make nlu-vocabulary`: edit that file, not this one.",
        'version: "3.1"',
        "nlu:",
    ]
    synonyms: list[str] = []
    for entity, terms in vocabulary.entities.items():
        surfaces = [s for term in terms.values() for s in (term.value, *term.forms)]
        chinese = sorted(
            {s for s in surfaces if _CJK.search(s) or not re.search("[A-Za-z]", s)}, key=lambda s: (-len(s), s)
        )
        latin = [s for s in surfaces if s not in chinese]
        out += [f"- lookup: {entity}", "  examples: |"] + [f"    - {s}" for s in chinese]
        if latin:
            out += [f"- regex: {entity}", "  examples: |", f"    - {_latin_pattern(latin)}"]
        for term in terms.values():
            if term.forms:
                synonyms += [f"- synonym: {term.value}", "  examples: |"] + [f"    - {s}" for s in term.forms]
    return "\n".join(out + synonyms) + "\n"
