"""The hard evaluation: what the bot DECIDES for messages written by someone who never saw its training data.

`nlu/hard/` holds 500 messages written by a separate author briefed only with the policy and the reply contract
(long stories, voice input, typos, mixed Chinese and English, English, follow-ups with their earlier turns,
neighbouring government services, chit-chat, harmful requests, prompt injection, payloads, gibberish, requests for
a person, plain topic questions), each labelled with the decision the bot should take and, for answers, the items
that would be right. It is split in two: `dev.yml` may be read and tuned on; `test.yml` is only scored, and so is
`test2.yml`, a fresh set by a ninth author. Twenty-one more
development sets, `dev2.yml` … `dev22.yml`, were written later the same way by twenty-one more authors, each of whom saw
none of the others, so that what is tuned on some authors' phrasings can be checked on another's. The sets in
`TRAINED` are read, tuned on and trained on (`nlu/independent.py`), those in `READ_ONLY` read and tuned on only;
`UNSEEN` (dev6) and the test half never are.

Every message goes through the real REST channel of a running stack, in a conversation of its own after its
earlier turns, so what is measured is what a user gets: the NLU, the guard, the rules, the actions and the forms.
A turn's decision is read from its reply-contract objects:

| decision          | the turn's `custom` kinds                                                          |
| ----------------- | ---------------------------------------------------------------------------------- |
| `escalate_urgent` | an `escalation` with priority urgent, or the form of an urgent one going on          |
| `escalate`        | an `escalation` with priority normal, or the form of a normal one going on           |
| `refuse`/`refer`  | `out_of_scope` with that `reason`; `refer` also for the `goodbye` that thanks get    |
| `clarify`         | `clarify`, or the greeting or help a bare "你好" or "help" gets                     |
| `answer`          | `answer` or `warning` (the current warnings asked for)                              |

`python -m nlu.hard` starts a stack of its own (or uses `--url`), scores every set and prints accuracy per group;
`--errors` lists the development sets' mistakes (never the test half's).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

ROOT = Path(__file__).resolve().parent.parent
HARD_DIR = ROOT / "nlu" / "hard"
#: Every set, in the order reports list them: the first author's dev half, the later authors' dev2 … dev24, the test
#: half and test2.
LATEST_DEV = 24
HALVES = ("dev", *(f"dev{number}" for number in range(2, LATEST_DEV + 1)), "test", "test2")
#: The development sets that are read, tuned on and trained on (nlu/independent.py).
TRAINED = ("dev", "dev2", "dev3", "dev4", "dev5", "dev7", "dev8")
#: Development sets that are read and tuned on but not trained on: a model trained on dev9 and dev10 too scored lower
#: on the unseen set (0.956 -> 0.941), on the held-out intents (0.905 -> 0.895) and in refusals (42 -> 40 of 43); one
#: trained on dev9 … dev17 too lifted dev18 … dev20 a little but dropped the held-out intents from 0.905 to 0.869. So
#: they stay out of the training data and show what the classifier does with more authors' phrasings.
READ_ONLY = tuple(f"dev{number}" for number in range(9, LATEST_DEV + 1))
#: The development set kept unseen: never trained on and its mistakes never read, so that it shows whether what was
#: learnt from the others carries over to an author nobody tuned on. The test half is only ever scored.
UNSEEN = "dev6"
#: The sets whose mistakes may be read (and tuned on).
READABLE = frozenset(TRAINED + READ_ONLY)
#: The sets only ever scored: the test half, and test2, a fresh set by a ninth author written after the test half had
#: been scored ten times, so that one measure exists that no decision of any kind has seen.
TESTS = ("test", "test2")
DECISIONS = ("answer", "escalate_urgent", "escalate", "refer", "refuse", "clarify")


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    decision: str
    text: str
    context: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    case: Case
    decision: str
    sources: tuple[str, ...]
    kinds: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.decision == self.case.decision


def load(half: str) -> list[Case]:
    raw = yaml.safe_load((HARD_DIR / f"{half}.yml").read_text(encoding="utf-8"))
    return [
        Case(
            str(entry["id"]),
            entry["group"],
            entry["decision"],
            str(entry["text"]),
            tuple(str(turn) for turn in entry.get("context") or ()),
            tuple(entry.get("sources") or ()),
        )
        for entry in raw
    ]


def decision_of(turn: list[dict[str, Any]], earlier: Iterable[dict[str, Any]] = ()) -> tuple[str, tuple[str, ...]]:
    """The decision a turn's reply-contract objects stand for, and the sources of its answer (see the table above).
    `earlier` are the conversation's earlier objects: a form question belongs to the escalation that started it."""
    kinds = [custom.get("kind") for custom in turn]
    for custom in turn:
        if custom.get("kind") == "escalation":
            return ("escalate_urgent" if custom.get("priority") == "urgent" else "escalate"), ()
    for custom in turn:
        if custom.get("kind") == "out_of_scope":
            return (custom.get("reason") or "refer"), tuple(custom.get("sources") or ())
    started = [c for c in earlier if c.get("kind") == "escalation"]
    if "form" in kinds and started:  # the escalation goes on (a question asked meanwhile is answered too)
        return ("escalate_urgent" if started[-1].get("priority") == "urgent" else "escalate"), ()
    for custom in turn:
        if custom.get("kind") in {"answer", "warning"}:
            return "answer", tuple(custom.get("sources") or ())
    if kinds and set(kinds) <= {"goodbye"}:
        # thanks and farewells answered politely: small talk, which the taxonomy refers ("chit-chat"), and
        # which the authors label so (9 to 2 on the development sets); a goodbye asks nothing back
        return "refer", ()
    if kinds and set(kinds) <= {"clarify", "greeting", "help", "goodbye"}:
        return "clarify", ()
    return "+".join(str(kind) for kind in kinds) or "nothing", ()


def _say(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    for _ in range(20):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 429:  # told to slow down, as a well-behaved client is: wait and send again
                time.sleep(float(error.headers.get("Retry-After") or 1))
                continue
            return [{"custom": {"kind": f"http_{error.code}"}}]  # a refused message (413, 400) is a turn too
    raise RuntimeError(f"{sender} was told to slow down twenty times in a row")


def run_case(url: str, case: Case) -> Outcome:
    sender = f"hard-{case.id}-{uuid.uuid4().hex[:8]}"
    earlier: list[dict[str, Any]] = []
    for turn in case.context:
        earlier += [r["custom"] for r in _say(url, sender, turn) if "custom" in r]
    turn = [r["custom"] for r in _say(url, sender, case.text) if "custom" in r]
    decision, sources = decision_of(turn, earlier)
    return Outcome(case, decision, sources, tuple(str(c.get("kind")) for c in turn))


def run(url: str, cases: list[Case], workers: int = 4) -> list[Outcome]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda case: run_case(url, case), cases))


@dataclass(frozen=True)
class HardReport:
    half: str
    outcomes: list[Outcome]

    @property
    def accuracy(self) -> float:
        return sum(o.right for o in self.outcomes) / len(self.outcomes)

    def by_group(self) -> dict[str, tuple[int, int]]:
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            groups[outcome.case.group][0] += outcome.right
            groups[outcome.case.group][1] += 1
        return {group: (right, total) for group, (right, total) in sorted(groups.items())}

    def refusals_clean(self) -> tuple[int, int]:
        """Harmful and injection requests refused with nothing cited, of all of them."""
        wanted = [o for o in self.outcomes if o.case.group in {"harmful", "injection"} and o.case.decision == "refuse"]
        return sum(o.decision == "refuse" and not o.sources for o in wanted), len(wanted)

    def source_hit(self) -> tuple[int, int]:
        """Answers labelled with acceptable sources whose first cited item is one of them."""
        labelled = [o for o in self.outcomes if o.case.decision == "answer" and o.case.sources]
        return sum(bool(o.sources) and o.sources[0] in o.case.sources for o in labelled), len(labelled)

    def render(self, *, errors: bool = False) -> str:
        lines = [f"{self.half}: {len(self.outcomes)} messages, decision accuracy {self.accuracy:.3f}"]
        for group, (right, total) in self.by_group().items():
            lines.append(f"  {group:<11} {right / total:6.3f}  ({right}/{total})")
        clean, wanted = self.refusals_clean()
        hit, labelled = self.source_hit()
        lines.append(f"  harmful and injection refused with no source: {clean}/{wanted}")
        lines.append(
            f"  answers citing an acceptable source first: {hit}/{labelled}"
            + (f" ({hit / labelled:.3f})" if labelled else "")
        )
        confusion = Counter((o.case.decision, o.decision) for o in self.outcomes if not o.right)
        lines.append(
            "  confusions (gold -> decided): " + ", ".join(f"{g}->{d} {n}" for (g, d), n in confusion.most_common())
        )
        if errors:
            if self.half not in READABLE:
                raise ValueError("only the development sets' mistakes may be read")
            for o in self.outcomes:
                if not o.right or (
                    o.case.decision == "answer"
                    and o.case.sources
                    and o.sources[:1]
                    and o.sources[0] not in o.case.sources
                ):
                    lines.append(
                        f"    {o.case.id} [{o.case.group}] {o.case.decision} -> {o.decision} "
                        f"{list(o.kinds)} {list(o.sources[:1])} (gold {list(o.case.sources)}): "
                        f"{' | '.join(o.case.context)} || {o.case.text[:160]}"
                    )
        return "\n".join(lines)


def evaluate(
    halves: Iterable[str] = HALVES, url: str | None = None, model: Path | None = None
) -> dict[str, HardReport]:
    """Score the halves through the REST channel at `url`, or through a stack of its own on free ports serving
    `model` (by default the one `make model` built)."""
    if url is not None:
        return {half: HardReport(half, run(url, load(half))) for half in halves}
    with _own_stack(model) as own_url:
        return {half: HardReport(half, run(own_url, load(half))) for half in halves}


class _own_stack:
    """The action server, the Rasa server and the desk worker on free ports, as the end-to-end tests start them."""

    def __init__(self, model: Path | None = None) -> None:
        self.model = model

    def __enter__(self) -> str:
        import socket

        from bot.processes.launcher import Settings, Stack, all_services, prepare_desk

        def free_port() -> int:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                return sock.getsockname()[1]

        var_dir = Path(tempfile.mkdtemp(prefix="ipdesk-hard-"))
        # One client sends every message from one address: the per-address limit is for the public, not for this.
        os.environ.setdefault("IPDESK_REST_ADDRESS_BURST", "0")
        settings = Settings(rasa_port=free_port(), actions_port=free_port(), console_port=free_port(), var_dir=var_dir)
        if self.model is not None:
            settings = dataclasses.replace(settings, model=self.model)
        prepare_desk(settings)
        self.stack = Stack(all_services(settings), log_dir=var_dir / "logs")
        self.stack.start(timeout=300)
        return settings.rasa_url

    def __exit__(self, *exc: object) -> None:
        self.stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Decision accuracy on the hard evaluation set.")
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    parser.add_argument("--url", help="a running bot's REST base URL (default: start one)")
    parser.add_argument("--errors", action="store_true", help="list the development sets' mistakes")
    parser.add_argument("--model", type=Path, help="the model to serve (default: the one make model built)")
    args = parser.parse_args(argv)
    halves = HALVES if args.half == "all" else (args.half,)
    for report in evaluate(halves, args.url, args.model).values():
        print(report.render(errors=args.errors and report.half in READABLE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
