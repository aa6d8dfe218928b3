"""Staff commands for the knowledge base.

python -m knowledge check        validate every knowledge file; print each problem with file and line
python -m knowledge check --stale DAYS
                                 also list the items whose facts were last checked more than DAYS days ago
python -m knowledge vocabulary   render nlu/train/vocabulary.yml from knowledge/data/vocabulary.yml
python -m knowledge import-cases FILE
                                 add typical cases from a CSV or YAML file (all rows valid, or none added)

The knowledge's versions in the desk's database (import, export, publish, roll back) need the database and so live
in the desk's command line: python -m bot.processes.cli knowledge-import|knowledge-export|knowledge-versions|
knowledge-publish|knowledge-rollback (`check --data DIR` validates an exported folder before it is imported).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys

from pathlib import Path

import yaml

from knowledge.base import KnowledgeBase
from knowledge.cases import CSV_COLUMNS, import_cases
from knowledge.loader import DATA_DIR
from knowledge.vocabulary import NLU_FILE, load_vocabulary, render_nlu
from knowledge.yamlfile import KnowledgeError


def _check(args: argparse.Namespace) -> int:
    kb = KnowledgeBase.load(args.data)
    if args.domain is not None:
        intents = set(yaml.safe_load(args.domain.read_text(encoding="utf-8")).get("intents") or [])
        unknown = sorted(
            {f"{item.id}: {intent}" for item in kb.items.values() for intent in item.intents if intent not in intents}
        )
        if unknown:
            print(f"intents not in {args.domain}:\n  " + "\n  ".join(unknown), file=sys.stderr)
            return 1
    kinds = {
        kind: sum(item.kind == kind for item in kb.items.values())
        for kind in ("policy", "faq", "case", "checklist", "referral")
    }
    print(
        f"knowledge OK: {len(kb.items)} items ({kinds['policy']} measures, {kinds['faq']} FAQ, {kinds['case']} cases, "
        f"{kinds['checklist']} pre-show checklists, {kinds['referral']} referrals)"
    )
    if args.stale is not None:
        return _stale(kb, args.stale)
    return 0


def _stale(kb: KnowledgeBase, days: int) -> int:
    """List each item last checked more than `days` days ago (id, file:line, date), oldest first; 1 if any."""
    limit = datetime.date.today() - datetime.timedelta(days=days)
    stale = sorted(
        (item for item in kb.items.values() if item.checked is not None and item.checked < limit),
        key=lambda item: (item.checked, item.id),
    )
    if not stale:
        print(f"no item was last checked more than {days} days ago")
        return 0
    print(f"{len(stale)} items last checked more than {days} days ago (before {limit.isoformat()}):")
    for item in stale:
        path, _, line = item.origin.rpartition(":")
        print(f"  {item.id}  {os.path.relpath(path)}:{line}  checked {item.checked.isoformat()}")
    return 1


def _days(value: str) -> int:
    days = int(value)
    if days < 0:
        raise argparse.ArgumentTypeError("DAYS must be 0 or more")
    return days


def _import_cases(args: argparse.Namespace) -> int:
    added = import_cases(args.file)
    print(f"imported {len(added)} cases: {', '.join(added)}")
    return 0


def _vocabulary(args: argparse.Namespace) -> int:
    rendered = render_nlu(load_vocabulary())
    if args.check:
        current = NLU_FILE.read_text(encoding="utf-8") if NLU_FILE.exists() else ""
        if current != rendered:
            print(f"{NLU_FILE} is out of date: run `make nlu-vocabulary`", file=sys.stderr)
            return 1
        return 0
    NLU_FILE.write_text(rendered, encoding="utf-8")
    print(f"wrote {NLU_FILE}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="Staff commands for the knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the knowledge files")
    check.add_argument("--domain", type=Path, help="also check that every item's intents are in this domain.yml")
    check.add_argument(
        "--stale",
        type=_days,
        metavar="DAYS",
        help="list items whose facts were last checked more than DAYS days ago; exit 1 if any",
    )
    check.add_argument("--data", type=Path, default=DATA_DIR, help="the knowledge folder (default: %(default)s)")
    check.set_defaults(run=_check)
    cases = commands.add_parser(
        "import-cases", help="add typical cases from CSV or YAML", description=f"CSV columns: {', '.join(CSV_COLUMNS)}"
    )
    cases.add_argument("file", type=Path)
    cases.set_defaults(run=_import_cases)
    vocabulary = commands.add_parser("vocabulary", help="render the NLU vocabulary from knowledge/data/vocabulary.yml")
    vocabulary.add_argument("--check", action="store_true", help="only check that the rendered file is current")
    vocabulary.set_defaults(run=_vocabulary)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KnowledgeError as error:
        print(f"knowledge files rejected:\n{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
