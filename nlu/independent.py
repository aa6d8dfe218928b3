"""Training examples from the hard set's development sets: what independent authors typed, with the decision they
expected, as the intents the classifier learns.

The examples in `nlu/train/` were written beside the knowledge base, and the classifier learned their phrasings well
and other people's badly (long stories, voice input, slang). The development sets (`nlu/hard/dev*.yml`) were written by
seven other people from the policy and the reply contract alone. Training on dev and dev2 raised the decision accuracy
on dev3, which it had never seen, from 0.743 to 0.771; training on dev to dev5 raised it on dev6, dev7 and dev8, none
of which it had seen, by 0.02 to 0.04. Now every development set but `nlu.hard.UNSEEN` (dev6) is trained on; dev6
stays out as the check that what is learnt carries over to an author nobody tuned on, and so does the test half,
which is only scored. Leaving out the answers (training only refusals, referrals and escalations) did worse on the
unseen sets and on the held-out figures alike.

Each labelled decision becomes an intent: an answer the topic intent of its first acceptable item, a live dispute
`report_dispute`, a request for a person `request_human`, a refusal `bot_instruction` (prompt injection and payloads)
or `harmful_request`, a referral `out_of_scope` (but not small talk with a greeting's, a farewell's or thanks' words,
nor a question about the bot: the authors sometimes labelled these as referrals, but the desk greets, thanks and
explains itself, as `make eval`'s held-out intents expect). Questions back (`clarify`) teach no intent, follow-ups
depend on their earlier turns, and text that Rasa's training format would misread (brackets, braces, several lines) or that
`make eval`'s held-out figures are measured on ("转人工") is left out.

The same sets' answers also teach the search how users ask for an item: every answer with acceptable items becomes a
question asked of each of them (`knowledge/asked.yml`, see `knowledge.asked`), but not follow-ups, payloads,
gibberish or measured texts.

`python -m nlu.independent` writes `nlu/train/intents/independent.yml` and `knowledge/asked.yml`; a test checks
that both are up to date.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

from knowledge import KnowledgeBase
from knowledge.cues import small_talk
from knowledge.asked import ASKED_FILE
from knowledge.base import UNSEARCHED
from nlu.hard import TRAINED, Case, load
from nlu.training_data import TRAIN_DIR, measured_texts, norm, topic_intent

OUTPUT = TRAIN_DIR / "intents" / "independent.yml"
#: Characters that Rasa's training format reads as annotations.
MARKUP = set("[]{}")
MAX_CHARS = 400
FIXED = {
    "escalate_urgent": "report_dispute",
    "escalate": "request_human",
    "refer": "out_of_scope",
}
INJECTION_GROUPS = frozenset({"injection", "payload"})
#: Groups whose answers say nothing about how users ask for an item: a follow-up leans on its earlier turns, a payload
#: wraps its question in markup, and gibberish ("shangbiao bei qiangzhu le") is what the bot must cope with, not words
#: to find an item by.
UNASKED_GROUPS = frozenset({"followup", "payload", "gibberish"})


def _control(text: str) -> bool:
    """Whether the text holds a control character (a bell pasted in a payload), which YAML may not carry."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\n" for char in text)


def intent_of(case: Case, kb: KnowledgeBase) -> str | None:
    """The intent the case's decision stands for, or None when it teaches none (see the module docstring)."""
    if case.context or case.group == "followup" or "\n" in case.text or len(case.text) > MAX_CHARS:
        return None
    if not case.text.strip() or MARKUP & set(case.text) or _control(case.text) or norm(case.text) in measured_texts():
        return None
    if case.decision == "answer":
        item = next((kb.get(source) for source in case.sources if kb.get(source) is not None), None)
        return topic_intent(item.intents) if item is not None else None
    if case.decision == "refer" and (
        small_talk.about_the_bot(case.text)
        or any(words.search(case.text) for words in small_talk.SMALL_TALK_WORDS.values())
    ):
        return None  # "谢谢你啊，辛苦了", "你是机器人吗": the desk thanks, greets and explains itself
    if case.decision == "refuse":
        return "bot_instruction" if case.group in INJECTION_GROUPS else "harmful_request"
    return FIXED.get(case.decision)


def render(kb: KnowledgeBase, sets: tuple[str, ...] = TRAINED) -> str:
    """The training file, intents in alphabetical order and examples in the sets' order."""
    examples: dict[str, list[str]] = defaultdict(list)
    for name in sets:
        for case in load(name):
            intent = intent_of(case, kb)
            if intent is not None and case.text.strip() not in examples[intent]:
                examples[intent].append(case.text.strip())
    lines = [
        'version: "3.1"',
        "# Rendered by `python -m nlu.independent` from nlu/hard/" + ", ".join(f"{name}.yml" for name in sets) + ":",
        "# messages written by independent authors, labelled with the decision they expected. Do not edit by hand.",
        "nlu:",
    ]
    for intent in sorted(examples):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples[intent]]
    return "\n".join(lines) + "\n"


def asked_of(case: Case, kb: KnowledgeBase) -> list[str]:
    """The searched items a case's question was asked of: an answer's acceptable items, when it stands on its own."""
    if case.decision != "answer" or case.context or case.group in UNASKED_GROUPS or not case.text.strip():
        return []
    if norm(case.text) in measured_texts():
        return []
    found = [kb.get(source) for source in case.sources]
    return [item.id for item in found if item is not None and item.kind not in UNSEARCHED]


def render_asked(kb: KnowledgeBase, sets: tuple[str, ...] = TRAINED) -> str:
    """The search's questions asked, items in id order and questions in the sets' order."""
    asked: dict[str, list[str]] = defaultdict(list)
    for name in sets:
        for case in load(name):
            for item in asked_of(case, kb):
                if case.text.strip() not in asked[item]:
                    asked[item].append(case.text.strip())
    header = (
        "# Rendered by `python -m nlu.independent` from nlu/hard/"
        + ", ".join(f"{name}.yml" for name in sets)
        + ":\n# questions independent authors asked, by the items they said answer them (knowledge/asked.py). "
        "Do not edit by hand.\n"
    )
    body = yaml.safe_dump(dict(sorted(asked.items())), allow_unicode=True, sort_keys=False, width=float("inf"))
    return header + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write what is rendered from the development sets.")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the training examples")
    parser.add_argument("--asked", type=Path, default=ASKED_FILE, help="the search's questions asked")
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load()
    args.output.write_text(render(kb), encoding="utf-8")
    args.asked.write_text(render_asked(kb), encoding="utf-8")
    print(f"wrote {args.output} and {args.asked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
