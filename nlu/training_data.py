"""The training data of a retrained model: nlu/train plus the published knowledge's example questions.

Knowledge items carry example questions (`questions:`), which staff edit in the console and publish as knowledge
versions. The search reads them at once; the NLU learns them only when a model is trained with them. This module
writes a training folder for that: a copy of nlu/train, and one more file (`knowledge_questions.yml`) with each
item's example questions as examples of the item's first topic intent. nlu/train in the repository is never
changed, so `make model` keeps building the model from the repository's data alone.

A question is left out when it is already a training example (of any intent), when it is written the same way as
a message of a held-out or development set (nlu/heldout, knowledge/heldout, knowledge/dev, nlu/hard, earlier turns
included) — what the figures are measured on is never trained on — when two items give it different intents, or
when it holds Rasa's entity markup (`[text](entity)`), which would be read as an annotation. Texts are compared as
tests/test_nlu_model.py compares them: letters and digits only, lower-cased.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from knowledge.base import KnowledgeBase
from nlu.hard import HALVES, HARD_DIR

ROOT = Path(__file__).resolve().parent.parent
TRAIN_DIR = ROOT / "nlu" / "train"
DOMAIN = ROOT / "domain.yml"
#: Every set a figure is measured on: none of their messages may be copied into the knowledge's questions (the hard
#: set's development sets in nlu.hard.TRAINED are trained on only through nlu/train/intents/independent.yml).
HELDOUT_NLU = ROOT / "nlu" / "heldout" / "nlu_heldout.yml"
HELDOUT_QUESTIONS = (ROOT / "knowledge" / "heldout" / "questions.yml", ROOT / "knowledge" / "dev" / "questions.yml")
HARD_SETS = tuple(HARD_DIR / f"{half}.yml" for half in HALVES)
#: The file the knowledge's questions are written to, inside the training folder.
KNOWLEDGE_FILE = "knowledge_questions.yml"
#: Intents an item may carry that are not what its questions ask: a live dispute is told by cues, not by topic.
NOT_TOPICS = frozenset({"report_dispute", "request_human"})

_WORDLESS = re.compile(r"[\W_]+")
#: Rasa's annotation in a training example: `[text](entity)`, `[text]{"entity": …}`, `[text][…]`.
_ANNOTATION = re.compile(r"\[[^\]]+\](\(|\{|\[)")


def norm(text: str) -> str:
    """The text as the overlap checks compare it: letters and digits, lower-cased."""
    return _WORDLESS.sub("", text).lower()


def example_text(line: str) -> str:
    """A training example's text without its entity annotations (`[美国](country)` → 美国)."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    return re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", text)


def _nlu_examples(path: Path) -> Iterable[tuple[str, str]]:
    """(intent, text) of every example of a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for entry in data.get("nlu") or []:
        if isinstance(entry, dict) and entry.get("intent") and isinstance(entry.get("examples"), str):
            for line in entry["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield str(entry["intent"]), example_text(line[2:].strip())


@functools.lru_cache(maxsize=4)
def trained_texts(train_dir: Path = TRAIN_DIR) -> frozenset[str]:
    """The normalised texts of every example in `train_dir`."""
    return frozenset(norm(text) for path in sorted(train_dir.rglob("*.yml")) for _, text in _nlu_examples(path))


@functools.lru_cache(maxsize=1)
def measured_texts() -> frozenset[str]:
    """The normalised texts of the held-out intents and the held-out and development questions of the search: what
    `make eval`'s intent and source figures are measured on, never trained on."""
    texts = [text for _, text in _nlu_examples(HELDOUT_NLU)]
    for path in HELDOUT_QUESTIONS:
        texts += [str(entry["q"]) for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return frozenset(norm(text) for text in texts) - {""}


@functools.lru_cache(maxsize=1)
def heldout_texts() -> frozenset[str]:
    """The normalised texts of every message the figures are measured on (earlier turns of the hard set too)."""
    texts: list[str] = []
    for path in HARD_SETS:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            texts += [str(entry["text"]), *(str(turn) for turn in entry.get("context") or ())]
    return measured_texts() | (frozenset(norm(text) for text in texts) - {""})


@functools.lru_cache(maxsize=1)
def domain_intents() -> frozenset[str]:
    return frozenset(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["intents"])


def topic_intent(intents: Iterable[str]) -> str | None:
    """The first of an item's intents that names what its questions ask (an `ask_…` topic, or out_of_scope for a
    referral), None when it has none the model knows."""
    known = domain_intents()
    return next((intent for intent in intents if intent in known and intent not in NOT_TOPICS), None)


@dataclass
class KnowledgeExamples:
    """The example questions a knowledge base adds to nlu/train, and those left out, by why."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (intent, text), in the items' order
    already_trained: int = 0
    held_out: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    unwritable: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """What the model learns from the knowledge, as one value: equal digests, the same examples."""
        lines = sorted(f"{intent}\t{text}" for intent, text in self.added)
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def knowledge_examples(kb: KnowledgeBase, train_dir: Path = TRAIN_DIR) -> KnowledgeExamples:
    """Each item's example questions as examples of its first topic intent, minus what must be left out."""
    trained, heldout = trained_texts(train_dir), heldout_texts()
    result = KnowledgeExamples()
    chosen: dict[str, tuple[str, str]] = {}  # normalised text → (intent, text)
    conflicting: set[str] = set()
    for item in kb.items.values():
        intent = topic_intent(item.intents)
        if intent is None:
            continue
        for question in item.questions:
            text = " ".join(question.split())
            key = norm(text)
            if not key:
                continue
            if key in trained:
                result.already_trained += 1
            elif key in heldout:
                result.held_out.append(text)
            elif _ANNOTATION.search(text):
                result.unwritable.append(text)
            elif key in chosen and chosen[key][0] != intent:
                conflicting.add(key)
            else:
                chosen.setdefault(key, (intent, text))
    result.added = [example for key, example in chosen.items() if key not in conflicting]
    result.conflicting = [chosen[key][1] for key in sorted(conflicting)]
    return result


def render(examples: Iterable[tuple[str, str]]) -> str:
    """Rasa NLU YAML of `examples`, grouped by intent."""
    by_intent: dict[str, list[str]] = {}
    for intent, text in examples:
        by_intent.setdefault(intent, []).append(text)
    lines = [
        "# Written by nlu/training_data.py for a retrained model: the published knowledge's example questions.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {text}" for text in by_intent[intent])]
    return "\n".join(lines) + "\n"


def write_training_data(kb: KnowledgeBase, directory: Path, train_dir: Path = TRAIN_DIR) -> KnowledgeExamples:
    """nlu/train copied into `directory` (which must not exist), with the knowledge's example questions beside it."""
    shutil.copytree(train_dir, directory)
    examples = knowledge_examples(kb, train_dir)
    (directory / KNOWLEDGE_FILE).write_text(render(examples.added), encoding="utf-8")
    return examples
