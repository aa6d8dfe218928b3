"""Staff commands for the knowledge base.

    python -m knowledge check        validate every knowledge file; print each problem with file and line
    python -m knowledge vocabulary   render nlu/train/vocabulary.yml from knowledge/data/vocabulary.yml
"""
from __future__ import annotations

import argparse
import sys

from knowledge.base import KnowledgeBase
from knowledge.vocabulary import NLU_FILE, load_vocabulary, render_nlu
from knowledge.yamlfile import KnowledgeError


def _check(_: argparse.Namespace) -> int:
    kb = KnowledgeBase.load()
    print(f"knowledge OK: {len(kb.items)} items")
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
    commands.add_parser("check", help="validate the knowledge files").set_defaults(run=_check)
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
