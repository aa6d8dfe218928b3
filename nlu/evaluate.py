"""Measure the trained model on the held-out set: per-intent precision, recall and F1, the confusions, and
entity extraction; then the sources the bot cites for held-out questions (knowledge.evaluate); then the decisions
the running bot takes on the hard set (nlu.hard).
`make eval` prints both reports; the tests assert on the same figures.

The held-out file (nlu/heldout/nlu_heldout.yml) is never trained on: `make model` trains on nlu/train only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "nlu" / "heldout" / "nlu_heldout.yml"
MODEL = ROOT / "models" / "ipdesk.tar.gz"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Prediction:
    example: Example
    intent: str
    confidence: float
    entities: frozenset[tuple[str, str]]


@dataclass
class Scores:
    """Counts per label, from which precision, recall and F1 follow."""

    true_positive: Counter = field(default_factory=Counter)
    false_positive: Counter = field(default_factory=Counter)
    false_negative: Counter = field(default_factory=Counter)

    def add(self, gold: str, predicted: str) -> None:
        if gold == predicted:
            self.true_positive[gold] += 1
        else:
            self.false_negative[gold] += 1
            self.false_positive[predicted] += 1

    def precision(self, label: str) -> float:
        found = self.true_positive[label] + self.false_positive[label]
        return self.true_positive[label] / found if found else 0.0

    def recall(self, label: str) -> float:
        wanted = self.true_positive[label] + self.false_negative[label]
        return self.true_positive[label] / wanted if wanted else 0.0

    def f1(self, label: str) -> float:
        p, r = self.precision(label), self.recall(label)
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    predictions: list[Prediction]

    @property
    def labels(self) -> list[str]:
        return sorted({p.example.intent for p in self.predictions})

    @property
    def intent_scores(self) -> Scores:
        scores = Scores()
        for prediction in self.predictions:
            scores.add(prediction.example.intent, prediction.intent)
        return scores

    @property
    def accuracy(self) -> float:
        return sum(p.intent == p.example.intent for p in self.predictions) / len(self.predictions)

    @property
    def macro_f1(self) -> float:
        scores = self.intent_scores
        return sum(scores.f1(label) for label in self.labels) / len(self.labels)

    def confusions(self) -> list[tuple[tuple[str, str], int]]:
        pairs = Counter((p.example.intent, p.intent) for p in self.predictions if p.intent != p.example.intent)
        return pairs.most_common()

    def entity_precision_recall(self) -> tuple[float, float]:
        gold = sum(len(p.example.entities) for p in self.predictions)
        found = sum(len(p.entities) for p in self.predictions)
        right = sum(len(p.entities & p.example.entities) for p in self.predictions)
        return (right / found if found else 0.0, right / gold if gold else 0.0)

    def render(self) -> str:
        scores = self.intent_scores
        width = max(len(label) for label in self.labels + ["nlu_fallback"])
        lines = [f"{'intent':<{width}}  precision  recall     f1  support"]
        for label in self.labels:
            support = scores.true_positive[label] + scores.false_negative[label]
            lines.append(
                f"{label:<{width}}  {scores.precision(label):9.3f}  {scores.recall(label):6.3f}  {scores.f1(label):5.3f}  {support:7d}"
            )
        fallback = sum(p.intent == "nlu_fallback" for p in self.predictions)
        precision, recall = self.entity_precision_recall()
        lines += [
            "",
            f"examples: {len(self.predictions)}   accuracy: {self.accuracy:.3f}   macro F1: {self.macro_f1:.3f}   "
            f"sent to nlu_fallback: {fallback}",
            f"entities (type, canonical value): precision {precision:.3f}, recall {recall:.3f}",
            "",
            "confusions (gold -> predicted: count, then the examples):",
        ]
        for (gold, predicted), count in self.confusions():
            lines.append(f"  {gold} -> {predicted}: {count}")
            for p in self.predictions:
                if p.example.intent == gold and p.intent == predicted:
                    lines.append(f"      {p.example.text}  ({p.confidence:.2f})")
        return "\n".join(lines)


def load_examples(path: Path = HELDOUT) -> list[Example]:
    """The held-out examples with their gold intent and gold entities as canonical vocabulary values.

    The held-out annotations mark what their authors saw as entities, not every vocabulary form in the text,
    so entity precision measured against them is a lower bound; recall is the figure to watch.
    """
    from rasa.shared.nlu.training_data.loading import load_data

    from knowledge.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    examples = []
    for message in load_data(str(path)).intent_examples:
        gold = frozenset(
            (e["entity"], vocabulary.canonical_within(e["entity"], e["value"]) or e["value"])
            for e in message.get("entities") or []
        )
        examples.append(Example(message.get("text"), message.get("intent"), gold))
    return examples


def parse_all(model: Path, texts: list[str]) -> list[dict]:
    """The trained model's parse of each text (intent, confidence, entities), as the Rasa server gives it."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level otherwise

    async def parse() -> list[dict]:
        agent = Agent.load(str(model))
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def _prediction(example: Example, parsed: dict) -> Prediction:
    intent = parsed.get("intent") or {}
    entities = frozenset((e["entity"], e["value"]) for e in parsed.get("entities") or [])
    return Prediction(example, intent.get("name") or "", intent.get("confidence") or 0.0, entities)


def evaluate(model: Path = MODEL, heldout: Path = HELDOUT) -> Report:
    examples = load_examples(heldout)
    return Report([_prediction(e, p) for e, p in zip(examples, parse_all(model, [e.text for e in examples]))])


def evaluate_search(model: Path = MODEL, questions_file: Path | None = None):  # -> knowledge.evaluate.SearchReport
    """Source hit@k of the search fed with the model's intents and entities, beside plain BM25."""
    from knowledge import KnowledgeBase
    from knowledge.evaluate import QUESTIONS, evaluate_search as run, load_questions

    kb = KnowledgeBase.load()
    questions = load_questions(questions_file or QUESTIONS, kb=kb)
    parsed = dict(zip((q.text for q in questions), parse_all(model, [q.text for q in questions])))

    def reading(text: str) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
        """The NLU's intent ranking and canonical entities, as the answer action passes them to the search."""
        result = parsed[text]
        entities: dict[str, list[str]] = {}
        for entity in result.get("entities") or []:
            values = entities.setdefault(entity["entity"], [])
            if entity["value"] not in values:
                values.append(entity["value"])
        ranking = {r["name"]: r["confidence"] for r in result.get("intent_ranking") or []}
        return ranking, {k: tuple(v) for k, v in entities.items()}

    return run(kb, questions, reading)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the trained NLU model on the held-out set.")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--dev", action="store_true", help="only the search, on the development questions (for tuning)")
    parser.add_argument("--no-hard", action="store_true", help="skip the hard set (it starts a stack of its own)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.dev:
        from knowledge.evaluate import DEV_QUESTIONS

        print(evaluate_search(args.model, DEV_QUESTIONS).render())
        return 0
    print("== intents and entities ==")
    print(evaluate(args.model, args.heldout).render())
    print("\n== sources cited ==")
    print(evaluate_search(args.model).render())
    if not args.no_hard:
        from nlu import hard

        print(
            "\n== decisions on the hard set (nlu/hard: written independently; dev half tuned on, test half only scored) =="
        )
        for report in hard.evaluate(model=args.model).values():
            print(report.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
