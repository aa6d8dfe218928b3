"""The knowledge base as the rest of the product sees it: items by id, search, and citations."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

from knowledge.asked import load_asked
from knowledge.items import Item, PolicyDocument, chinese_numeral
from knowledge.loader import (
    CASES_FILE,
    DATA_DIR,
    DEFAULT_REFERRAL,
    EXHIBITIONS_FILE,
    FAQ_DIR,
    POLICY_FILE,
    REFERRALS_FILE,
    VOCABULARY_FILE,
    load_cases,
    load_checklists,
    load_faq,
    load_policy,
    load_referrals,
)
from knowledge.search import MIN_TEXT, Hit, Searcher
from knowledge.text import Language
from knowledge.vocabulary import Vocabulary, load_vocabulary
from knowledge.yamlfile import KnowledgeError, Problem

logger = logging.getLogger(__name__)

#: Kinds the search leaves out: a checklist is given for a registered fair's country, a referral only when the
#: question is not the desk's (`KnowledgeBase.referrals`).
UNSEARCHED = frozenset({"checklist", "referral"})


class KnowledgeBase:
    """A validated, searchable, immutable set of items. Build with `KnowledgeBase.load`.

    Pre-show checklists (`checklist:<slug>`) are items too, cited and shown like the others, but the search leaves
    them out: they are given for the country of a registered fair, not picked for a question's words.
    """

    def __init__(
        self,
        policy: PolicyDocument,
        items: Iterable[Item],
        vocabulary: Vocabulary,
        places: Mapping[str, str] | None = None,
    ) -> None:
        self.policy = policy
        self.vocabulary = vocabulary
        self._places = dict(places or {})
        self.items: dict[str, Item] = {}
        for item in items:
            if item.id in self.items:
                raise KnowledgeError([Problem(item.kind, 1, f"{item.id} is defined twice")])
            self.items[item.id] = item

    # The indexes are built on the first search, not on loading: validating the files (`python -m knowledge check`,
    # a case import) needs no index, and jieba's cutting is most of what a load costs.
    # A server loses nothing by it: its reload happens in the question that finds the files changed, either way.
    @functools.cached_property
    def _searcher(self) -> Searcher:
        return Searcher([item for item in self.items.values() if item.kind not in UNSEARCHED], load_asked())

    @functools.cached_property
    def _referrals(self) -> Searcher:
        return Searcher([item for item in self.items.values() if item.kind == "referral"])

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> "KnowledgeBase":
        vocabulary = load_vocabulary(directory / VOCABULARY_FILE)
        policy, items = load_policy(directory / POLICY_FILE, vocabulary)
        measures = len(items)
        problems: list[Problem] = []
        for path in sorted((directory / FAQ_DIR).glob("*.yml")):
            try:
                items += load_faq(path, vocabulary, measures)
            except KnowledgeError as error:
                problems += error.problems
        if (directory / CASES_FILE).exists():
            try:
                items += load_cases(directory / CASES_FILE, vocabulary, measures)
            except KnowledgeError as error:
                problems += error.problems
        places: dict[str, str] = {}
        try:
            checklists, places = load_checklists(directory / EXHIBITIONS_FILE, vocabulary, measures)
            items += checklists
        except KnowledgeError as error:
            problems += error.problems
        try:
            items += load_referrals(directory / REFERRALS_FILE, vocabulary, measures)
        except KnowledgeError as error:
            problems += error.problems
        if problems:
            raise KnowledgeError(problems)
        return cls(policy, items, vocabulary, places)

    def get(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def search(
        self,
        question: str,
        *,
        intent: str | Mapping[str, float] | None = None,
        entities: Mapping[str, Iterable[str]] | None = None,
        limit: int = 3,
    ) -> list[Hit]:
        """See `Searcher.search`: `intent` is the NLU's intent or its whole ranking (intent → confidence)."""
        return self._searcher.search(question, intent=intent, entities=entities, limit=limit)

    def canonical_entities(self, entities: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
        """The NLU's entities as canonical vocabulary values, entity → values in order, without repeats.

        Both the chat's actions and the console's suggestion read entities this way, so "US", "美国" and "美" are
        one country wherever they are counted.
        """
        found: dict[str, list[str]] = {}
        for entity in entities:
            name, value = entity.get("entity"), entity.get("value")
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            canonical = self.vocabulary.canonical(name, value) or value
            values = found.setdefault(name, [])
            if canonical not in values:
                values.append(canonical)
        return found

    def text_ranking(self, question: str, *, with_examples: bool = False) -> list[str]:
        """Item ids by plain BM25 over the question's words alone, against the items' own text (the baseline the
        search is measured against) or, `with_examples`, also against their example questions and keywords."""
        return self._searcher.bm25_ranking(question, with_examples=with_examples)

    def checklist_for(self, country: str | None) -> tuple[Item, bool]:
        """The pre-show checklist for a fair in `country`, and whether it is that country's own (False: the general
        checklist, which says it is general)."""
        general = None
        for item in self.items.values():
            if item.kind != "checklist":
                continue
            if country and country in item.tags.get("country", ()):
                return item, True
            if not item.tags.get("country"):
                general = item
        assert general is not None, "the loader requires a general checklist"
        return general, False

    def country_of_place(self, place: str) -> str | None:
        """The country a fair's place names: a country of the vocabulary ("德国", "US"), else a known city
        ("汉诺威", "Las Vegas"); None when neither is recognised."""
        for entity, value, _, _ in self.vocabulary.find(place):
            if entity == "country":
                return value
        folded = place.casefold()
        known = [(len(form), country) for form, country in self._places.items() if form in folded]
        return max(known)[1] if known else None

    def referrals(self, question: str, *, limit: int = 3) -> list[Hit]:
        """The referrals (`referral:<slug>`) whose words the question shares, best first: how the answer action
        tells a neighbouring matter from an overseas IP one. Their text scores are on the same 0–1 scale as
        `search`'s, so the two can be compared."""
        scores = self._referrals.text_scores(question)
        ranked = sorted(zip(scores, self._referrals.items), key=lambda pair: (-pair[0], pair[1].id))
        return [Hit(item, round(score, 4), round(score, 4)) for score, item in ranked[:limit] if score > 0]

    def knows(self, question: str) -> bool:
        """Whether the question shares any word with any item or referral: nothing here knows gibberish."""
        return self._searcher.knows(question) or self._referrals.knows(question)

    def referral_for(self, question: str) -> Item:
        """Where to send a question this service does not handle: the best-matching referral, else the default."""
        hits = [hit for hit in self.referrals(question, limit=1) if hit.text_score >= MIN_TEXT]
        return hits[0].item if hits else self.items[DEFAULT_REFERRAL]

    def cite(self, item: Item, language: Language) -> str:
        """How a reply names its source: "《实施意见》第（七）条" / "Measure 7 of the Implementation Opinions"."""
        if item.kind == "policy" and item.number is not None:
            if language == "en":
                return f"Measure {item.number} of {self.policy.short.en} ({self.policy.number})"
            return f"{self.policy.short.zh}（{self.policy.number}）第（{chinese_numeral(item.number)}）条"
        return item.title.get(language)


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    """The files a knowledge base is built from, for change detection."""
    return sorted(
        path for path in directory.rglob("*") if path.is_file() and path.suffix in {".yml", ".yaml", ".csv", ".txt"}
    )


class LiveKnowledge:
    """The knowledge base a long-running process uses, reloaded when its files change.

    A reload that fails validation is logged with every problem and the last good knowledge stays in use:
    a staff member's typo must not take the bot down.
    """

    def __init__(self, directory: Path = DATA_DIR) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._current: KnowledgeBase | None = None

    def _files_stamp(self) -> tuple[tuple[str, int, int], ...]:
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in data_files(self.directory))

    def get(self) -> KnowledgeBase:
        stamp = self._files_stamp()
        with self._lock:
            if self._current is None or stamp != self._stamp:
                try:
                    self._current = KnowledgeBase.load(self.directory)
                    logger.info("knowledge base loaded: %d items from %s", len(self._current.items), self.directory)
                except KnowledgeError as error:
                    if self._current is None:
                        raise
                    logger.error("knowledge files rejected, keeping the last good knowledge:\n%s", error)
                self._stamp = stamp
            return self._current
