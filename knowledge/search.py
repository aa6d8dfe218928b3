"""Finding the items that answer a question.

Text retrieval is Okapi BM25 over `knowledge.text.tokenize` tokens of each item's title, keywords, answer and
text in both languages (titles and keywords count double: they are what staff wrote to be found). The NLU's
reading of the question is then added as evidence: an item written for the predicted intent gains
`INTENT_WEIGHT`, and each entity value the item is tagged with gains `ENTITY_WEIGHT`. A text score is the share of the question's information (the summed IDF of its words)
that an item matches, so it means the same for short and long questions, and a question made of words no
item has ("明天太原天气怎么样") scores near zero instead of promoting whatever matched best.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from knowledge.items import Item
from knowledge.text import tokenize

INTENT_WEIGHT = 0.6
ENTITY_WEIGHT = 0.15
#: Below this a hit is not an answer: the caller should ask the user to rephrase rather than guess.
MIN_SCORE = 0.15


@dataclass(frozen=True)
class Hit:
    item: Item
    score: float
    text_score: float


class Bm25:
    """Okapi BM25 over pre-tokenized documents (k1 = 1.2, b = 0.75, the textbook defaults)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.frequencies = [Counter(document) for document in documents]
        self.lengths = [len(document) for document in documents]
        self.average_length = sum(self.lengths) / len(documents) if documents else 0.0
        document_frequency: Counter[str] = Counter()
        for frequencies in self.frequencies:
            document_frequency.update(frequencies.keys())
        count = len(documents)
        #: What a word found in no item would weigh: it counts against a question's coverage.
        self.unseen_idf = math.log(1 + (count + 0.5) / 0.5)
        self.idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in document_frequency.items()
        }

    def scores(self, query: Iterable[str]) -> list[float]:
        terms = [term for term in dict.fromkeys(query) if term in self.idf]
        results = []
        for frequencies, length in zip(self.frequencies, self.lengths):
            norm = self.k1 * (1 - self.b + self.b * length / self.average_length)
            score = 0.0
            for term in terms:
                tf = frequencies.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            results.append(score)
        return results


def _document(item: Item) -> list[str]:
    emphasised = " ".join((item.title.zh, item.title.en, *item.keywords_zh, *item.keywords_en))
    body = " ".join((item.answer.zh, item.answer.en, item.text.zh, item.text.en))
    return tokenize(emphasised) * 2 + tokenize(body)


class Searcher:
    """Ranks a fixed set of items for a question; build once, query many times."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self.bm25 = Bm25([_document(item) for item in self.items])

    def text_scores(self, question: str) -> list[float]:
        """BM25 per item as a share (0–1) of the most any item could score for the question's words.

        BM25's term weight saturates at idf × (k1 + 1), so the sum of that over the question's words bounds
        every item's score: the share never caps, and items keep their order.
        """
        tokens = list(dict.fromkeys(tokenize(question)))
        possible = (self.bm25.k1 + 1) * sum(self.bm25.idf.get(token, self.bm25.unseen_idf) for token in tokens)
        if possible <= 0:
            return [0.0] * len(self.items)
        return [score / possible for score in self.bm25.scores(tokens)]

    def bm25_ranking(self, question: str) -> list[str]:
        scores = self.bm25.scores(tokenize(question))
        ranked = sorted(zip(scores, (item.id for item in self.items)), key=lambda pair: (-pair[0], pair[1]))
        return [item_id for score, item_id in ranked if score > 0]

    def search(
        self,
        question: str,
        *,
        intent: str | None = None,
        entities: Mapping[str, Iterable[str]] | None = None,
        limit: int = 3,
        min_score: float = MIN_SCORE,
    ) -> list[Hit]:
        """The best items for the question, best first, leaving out those scoring under `min_score`."""
        wanted = {(entity, value) for entity, values in (entities or {}).items() for value in values}
        hits = []
        for item, text_score in zip(self.items, self.text_scores(question)):
            score = text_score
            if intent and intent in item.intents:
                score += INTENT_WEIGHT
            score += ENTITY_WEIGHT * sum(
                1 for entity, value in wanted if value in item.tags.get(entity, ())
            )
            if score >= min_score:
                hits.append(Hit(item, round(score, 4), round(text_score, 4)))
        hits.sort(key=lambda hit: (-hit.score, -hit.text_score, hit.item.id))
        return hits[:limit]
