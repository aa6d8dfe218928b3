"""How well the search cites the right items: source hit@k on held-out questions with gold sources.

The questions (knowledge/heldout/questions.yml) are never used to write or tune the knowledge or the search
weights; those were tuned on a separate development set (knowledge/dev/questions.yml). Each has one or more acceptable gold item ids; hit@k is the share of questions with a gold item among
the first k cited.

Two plain BM25 rankings of the same items, over the question's words alone, are printed beside the search:
- the baseline: each item's own text (title, answer, details), as a plain search engine would index it;
- an ablation: the same plus the example questions and keywords written for the search (`questions:`,
  `keywords:` in the knowledge files). Staff write those for every item, so this line shows how much of the search's
  lead comes from them and how much from the NLU's intent ranking and entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from knowledge.base import KnowledgeBase
from knowledge.yamlfile import Checker, read_yaml

QUESTIONS = Path(__file__).parent / "heldout" / "questions.yml"
#: Questions written the same way but kept apart, for choosing the search's weights (`make eval-dev`).
DEV_QUESTIONS = Path(__file__).parent / "dev" / "questions.yml"


@dataclass(frozen=True)
class Question:
    text: str
    gold: frozenset[str]
    intent: str | Mapping[str, float] | None = None
    entities: Mapping[str, tuple[str, ...]] | None = None


def load_questions(path: Path = QUESTIONS, kb: KnowledgeBase | None = None) -> list[Question]:
    """The held-out questions; with `kb`, also checks that every gold id exists."""
    check = Checker(path)
    questions = []
    for position, raw in enumerate(read_yaml(path) or [], start=1):
        node = check.mapping(raw, f"question {position}")
        if node is None:
            continue
        text = check.text(node, "q", f"question {position}: ")
        gold = check.strings(node, "gold", f"question {position}: ")
        if kb is not None:
            for item_id in gold:
                if kb.get(item_id) is None:
                    check.fail(node, f"question {position}: gold {item_id} is not a knowledge item")
        questions.append(Question(text, frozenset(gold)))
    check.raise_if_any()
    return questions


def cited_ranking(kb: KnowledgeBase, question: Question) -> list[str]:
    """The items the bot would answer from, best first (the first is the one it cites)."""
    hits = kb.search(question.text, intent=question.intent, entities=question.entities, limit=5)
    return [hit.item.id for hit in hits]


def hit_at(rankings: Sequence[tuple[Question, list[str]]], k: int) -> float:
    if not rankings:
        return 0.0
    return sum(bool(set(ranked[:k]) & question.gold) for question, ranked in rankings) / len(rankings)


@dataclass(frozen=True)
class SearchReport:
    system: list[tuple[Question, list[str]]]
    baseline: list[tuple[Question, list[str]]]
    with_examples: list[tuple[Question, list[str]]]

    def render(self) -> str:
        lines = [
            f"source retrieval on {len(self.system)} questions",
            f"{'':28}hit@1   hit@3",
            f"{'intent + entities + BM25':28}{hit_at(self.system, 1):5.3f}   {hit_at(self.system, 3):5.3f}",
            f"{'plain BM25 (baseline)':28}{hit_at(self.baseline, 1):5.3f}   {hit_at(self.baseline, 3):5.3f}"
            f"   (items' own text)",
            f"{'plain BM25 + examples':28}{hit_at(self.with_examples, 1):5.3f}   {hit_at(self.with_examples, 3):5.3f}"
            f"   (ablation: also the example questions and keywords)",
            "",
            "misses at 1 (question | gold | cited):",
        ]
        for question, ranked in self.system:
            if not set(ranked[:1]) & question.gold:
                lines.append(f"  {question.text} | {', '.join(sorted(question.gold))} | {', '.join(ranked[:3]) or '-'}")
        return "\n".join(lines)


def evaluate_search(
    kb: KnowledgeBase,
    questions: Sequence[Question],
    parse: Callable[[str], tuple[Mapping[str, float] | str | None, dict[str, tuple[str, ...]]]],
) -> SearchReport:
    """Rank with the NLU's reading of each question (`parse` gives intent and canonical entities) and without."""
    system, baseline, with_examples = [], [], []
    for question in questions:
        intent, entities = parse(question.text)
        read = Question(question.text, question.gold, intent, entities)
        system.append((question, cited_ranking(kb, read)))
        baseline.append((question, kb.text_ranking(question.text)))
        with_examples.append((question, kb.text_ranking(question.text, with_examples=True)))
    return SearchReport(system, baseline, with_examples)
