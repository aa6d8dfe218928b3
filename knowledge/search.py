"""Finding the items that answer a question.

Text retrieval is Okapi BM25 in two fields: the head (title, example questions and keywords: what staff wrote
to be found; and the questions independent users asked that the item answers, `knowledge.asked`) and the body
(answer and detail), over jieba words and Chinese character pairs in both languages. A field's score is the share
of the most any item could score for the question's words, so it means the same for short and long questions, and a
question made of words no item has ("明天太原天气怎么样") scores near zero instead of promoting whatever matched best.
That share decides whether anything is worth citing (`MIN_TEXT`).

For ranking, text scores are taken relative to the best item's, and the NLU's reading of the question is
added as evidence: an item written for the predicted intent gains `INTENT_WEIGHT`, scaled by how specific
the intent is (one of three items says more than one of thirty), and each entity value the item is tagged
with gains `ENTITY_WEIGHT`. The weights were chosen on the development questions (knowledge/dev/), never on
the held-out ones that `make eval` reports.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from knowledge.asked import Asked
from knowledge.items import Item
from knowledge.homophones import Homophones
from knowledge.text import bigrams, dictionary_pairs, dictionary_words, filler, tokenize

HEAD_WEIGHT = 0.8
INTENT_WEIGHT = 0.5
ENTITY_WEIGHT = 0.1
#: A question sharing less than this with the best item has no answer here: ask to rephrase, do not guess.
MIN_TEXT = 0.04
#: A typical case illustrates; it does not tell a user what to do. It leads only when examples are asked for
#: (intent ask_typical_cases) and otherwise gives way by this much, staying among the related items.
CASE_GIVE_WAY = 0.15
CASE_INTENT = "ask_typical_cases"
#: A question that asks for an example in its own words ("有没有…的案例", "Any example of…", "case studies") wants a case
#: whatever the NLU's share for the case intent: a sure topic reading ("EU customs" → customs) must not push it back.
#: Narrower than `knowledge.cues.disputes.CASE_STUDY`, which also reads "介绍一下" or "说说" as asking about a case rather
#: than reporting one: those ask for a case no more than for an FAQ.
ASKS_FOR_EXAMPLE = re.compile(r"案例|例子|(?<![a-z])(examples?|case stud(y|ies))(?![a-z])", re.IGNORECASE)
#: Without an intent from the NLU the words alone must decide, so they must say more.
MIN_TEXT_ALONE = 0.12


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
        self.idf = {term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in document_frequency.items()}

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


def _title(item: Item) -> str:
    return item.title.zh + " " + item.title.en


def _head(item: Item) -> str:
    return " ".join((_title(item), *item.questions, *item.keywords_zh, *item.keywords_en))


def _body(item: Item) -> str:
    parts = [item.answer.zh, item.answer.en, item.text.zh, item.text.en]
    parts += [detail.zh + " " + detail.en for detail in item.details.values()]
    return " ".join(parts)


def terms(text: str) -> list[str]:
    """What the search indexes and looks up: words and Chinese character pairs."""
    return tokenize(text) + bigrams(text)


class Searcher:
    """Ranks a fixed set of items for a question; build once, query many times. `asked` adds, by item id, questions
    users asked that the item answers to its head (an id that is not among the items is ignored)."""

    def __init__(self, items: Sequence[Item], asked: Asked | None = None) -> None:
        self.items = list(items)
        asked = asked or {}
        # Each field is cut once and the indexes share the pieces: jieba is the cost of loading the knowledge
        # (which happens on every staff edit), and a space between two fields is a cut jieba makes anyway, so
        # tokenize(a + " " + b) == tokenize(a) + tokenize(b).
        heads, bodies = [_head(item) for item in self.items], [_body(item) for item in self.items]
        titles = [tokenize(_title(item)) for item in self.items]
        head_words, body_words = [tokenize(text) for text in heads], [tokenize(text) for text in bodies]
        # Users' phrasings add their words without the spoken fillers, which the items' own texts do not have.
        said = [
            [term for text in asked.get(item.id, ()) for term in terms(text) if not filler(term)] for item in self.items
        ]
        self.homophones = Homophones(heads + bodies, dictionary_pairs(), dictionary_words)
        self.head = Bm25([words + bigrams(text) + more for words, text, more in zip(head_words, heads, said)])
        self.body = Bm25([words + bigrams(text) for words, text in zip(body_words, bodies)])
        # Plain BM25 over what an item says (its title and texts), and over that plus what staff wrote to be found
        # (example questions, keywords): the evaluation's baseline and its ablation; the second is also the best
        # ranker when the NLU is unreachable.
        self.plain = Bm25([title + body for title, body in zip(titles, body_words)])
        self.plain_expanded = Bm25([head + body for head, body in zip(head_words, body_words)])
        per_intent = Counter(intent for item in self.items for intent in set(item.intents))
        total = max(len(self.items), 2)
        #: How much knowing the intent narrows the items: 1 for an intent of one item, less for broad ones.
        self.specificity = {intent: math.log(total / count) / math.log(total) for intent, count in per_intent.items()}

    @staticmethod
    def _share(index: Bm25, words: list[str]) -> list[float]:
        possible = (index.k1 + 1) * sum(index.idf.get(word, index.unseen_idf) for word in words)
        if possible <= 0:
            return [0.0] * len(index.lengths)
        return [score / possible for score in index.scores(words)]

    def text_scores(self, question: str) -> list[float]:
        """Per item, the weighted share (0–1) of the question the head and body fields match, sound-alike typos
        ("知识产全") put right first."""
        words = list(dict.fromkeys(terms(self.homophones.correct(question))))
        head, body = self._share(self.head, words), self._share(self.body, words)
        return [HEAD_WEIGHT * h + (1 - HEAD_WEIGHT) * b for h, b in zip(head, body)]

    def knows(self, question: str) -> bool:
        """Whether any word of the question occurs in any item: gibberish ("asdfghjkl", "。") shares none."""
        return any(word in self.head.idf or word in self.body.idf for word in terms(question))

    def bm25_ranking(self, question: str, *, with_examples: bool = False) -> list[str]:
        """Plain BM25 over jieba words, each item one document: its title and texts, and with `with_examples` also
        the example questions and keywords staff wrote for the search."""
        index = self.plain_expanded if with_examples else self.plain
        scores = index.scores(tokenize(question))
        ranked = sorted(zip(scores, (item.id for item in self.items)), key=lambda pair: (-pair[0], pair[1]))
        return [item_id for score, item_id in ranked if score > 0]

    def search(
        self,
        question: str,
        *,
        intent: str | Mapping[str, float] | None = None,
        entities: Mapping[str, Iterable[str]] | None = None,
        limit: int = 3,
    ) -> list[Hit]:
        """The best items for the question, best first; none when the question matches nothing here.

        `intent` is the NLU's intent, or its whole ranking (intent → confidence): an unsure NLU then lends
        each likely intent its share of the prior instead of betting everything on the first.
        A question with no words in common with any item (a button press, "嗯") is still answered from its
        intent alone when the NLU recognised one.
        """
        wanted = {(entity, value) for entity, values in (entities or {}).items() for value in values}
        beliefs = {intent: 1.0} if isinstance(intent, str) else dict(intent or {})
        priors = {
            name: INTENT_WEIGHT * confidence * self.specificity.get(name, 0.0) for name, confidence in beliefs.items()
        }
        texts = self.text_scores(question)
        best = max(texts, default=0.0)
        if not any(priors.values()) and best < MIN_TEXT_ALONE:
            return []
        example_asked = ASKS_FOR_EXAMPLE.search(question) is not None
        hits = []
        for item, text in zip(self.items, texts):
            prior = sum(priors.get(name, 0.0) for name in item.intents)
            score = (text / best if best >= MIN_TEXT else 0.0) + prior
            score += ENTITY_WEIGHT * sum(1 for entity, value in wanted if value in item.tags.get(entity, ()))
            if item.kind == "case" and not example_asked:
                score -= CASE_GIVE_WAY * (1.0 - beliefs.get(CASE_INTENT, 0.0))
            if score > 0 and (text > 0 or prior > 0):
                hits.append(Hit(item, round(score, 4), round(text, 4)))
        hits.sort(key=lambda hit: (-hit.score, -hit.text_score, hit.item.id))
        return hits[:limit]
