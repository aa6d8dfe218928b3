"""The desk's command line, for administrators and for cron.

    python -m bot.processes.cli init-db                 create or upgrade the desk's tables (bot/desk/migrations)
    python -m bot.processes.cli import-experts FILE     import the expert pool (YAML or CSV); exit 1 if any row was refused
    python -m bot.processes.cli import-warnings FILE    publish warnings (YAML or CSV) and push them to subscribers; every bad
                                              row is reported by line and then nothing is published (exit 1)
    python -m bot.processes.cli check-sla               pass on assignments not accepted in time (run every few minutes)
    python -m bot.processes.cli follow-ups              queue the follow-up questions that are due (run daily)
    python -m bot.processes.cli knowledge-import DIR --reason WHY [--publish] [--by NAME]
                                              store the knowledge files under DIR as a new version (validated as
                                              `python -m knowledge check`; refused by file and line), and publish it
    python -m bot.processes.cli knowledge-export DIR    write the published knowledge version's files under DIR
    python -m bot.processes.cli knowledge-versions      list the knowledge versions and which one is published
    python -m bot.processes.cli knowledge-publish N --reason WHY [--by NAME]
    python -m bot.processes.cli knowledge-rollback N --reason WHY [--by NAME]
                                              serve version N (a rollback: an earlier one) on every server within seconds

`make run` starts the scheduler (python -m bot.processes.scheduler), which runs check-sla and follow-ups on its own.

Every command brings the schema up to date first, so a fresh installation works whatever is run first.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.settings import DeskSettings, SettingsError
from bot.desk import migrations
from bot.desk.services import DeskServices, open_database
from bot.desk.expert_import import import_experts
from bot.desk.schema import RiskWarning
from bot.desk.risk_warnings import IMPORT_FIELDS, Warnings
from bot.desk.knowledge_versions import KnowledgeVersions, VersionRefused
from knowledge.yamlfile import KnowledgeError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.processes.cli", description="The escalation desk's commands.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the desk does")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-db", help="create or upgrade the desk's tables to the newest migration")
    importing = commands.add_parser("import-experts", help="import experts from a YAML or CSV file")
    importing.add_argument("file", type=Path)
    warnings = commands.add_parser(
        "import-warnings",
        help="publish warnings from a YAML or CSV file (all rows valid, or none published)",
        description=f"Fields (YAML keys or CSV columns): {', '.join(IMPORT_FIELDS)}. Lists (countries, industries, "
        "ip_types, products) separate values with ; or 、 in CSV; dates are YYYY-MM-DD.",
    )
    warnings.add_argument("file", type=Path)
    warnings.add_argument(
        "--by", default="command-line", help="who publishes, for the audit trail (default: %(default)s)"
    )
    commands.add_parser("check-sla", help="reassign tickets whose expert did not accept in time")
    commands.add_parser("follow-ups", help="queue the follow-up messages that are due")
    # The knowledge's versions (bot/desk/knowledge_versions.py): the files and the database kept in step.
    knowledge_import = commands.add_parser(
        "knowledge-import", help="store knowledge files as a new version (validated), and publish it with --publish"
    )
    knowledge_import.add_argument("directory", type=Path, help="a knowledge folder, laid out like knowledge/data")
    knowledge_import.add_argument("--reason", required=True, help="why: the history and the audit trail show it")
    knowledge_import.add_argument("--publish", action="store_true", help="also publish the new version")
    knowledge_import.add_argument(
        "--by", default="command-line", help="who, for the audit trail (default: %(default)s)"
    )
    knowledge_export = commands.add_parser("knowledge-export", help="write the published version's files")
    knowledge_export.add_argument("directory", type=Path)
    commands.add_parser("knowledge-versions", help="list the knowledge versions, newest first")
    for name, what in (
        ("knowledge-publish", "publish version N"),
        ("knowledge-rollback", "restore an earlier version N"),
    ):
        publishing = commands.add_parser(name, help=what)
        publishing.add_argument("version", type=int, metavar="N")
        publishing.add_argument("--reason", required=True, help="why: the history and the audit trail show it")
        publishing.add_argument("--by", default="command-line", help="who, for the audit trail (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = DeskSettings.from_environment()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    database = open_database(settings, schema=False)
    engine = database.engine
    try:
        database.create_schema()
        factory = database.sessions
        if args.command == "init-db":
            print(
                f"desk tables ready in {make_url(settings.database_url).render_as_string(hide_password=True)} "
                f"(revision {migrations.head()})"
            )
            return 0
        if args.command == "import-experts":
            return _import(factory, args.file)
        if args.command.startswith("knowledge-"):
            return _knowledge(KnowledgeVersions(factory, SystemClock()), args)
        services = DeskServices.over(database, SystemClock())
        if args.command == "import-warnings":
            return _import_warnings(services.warnings, args.file, args.by)
        desk = services.desk
        if args.command == "check-sla":
            numbers = desk.check_sla()
            print(f"{len(numbers)} ticket(s) passed on: {', '.join(numbers)}" if numbers else "no assignment overdue")
            return 0
        numbers = desk.due_follow_ups()
        print(f"{len(numbers)} follow-up(s) queued: {', '.join(numbers)}" if numbers else "no follow-up due")
        return 0
    finally:
        engine.dispose()


def _import(factory: sessionmaker, path: Path) -> int:
    with factory.begin() as session:
        report = import_experts(session, path)
    for error in report.errors:
        who = f"{error.name}: " if error.name else ""
        print(f"{path}:{error.line}: {who}{error.reason}", file=sys.stderr)
    print(
        f"{path}: {len(report.created)} expert(s) added, {len(report.updated)} updated, "
        f"{len(report.errors)} row(s) refused"
    )
    return 0 if report.ok else 1


def _import_warnings(warnings: Warnings, path: Path, by: str) -> int:
    """Publish a file of warnings, each recorded in the console's audit trail under `by`."""
    from bot.desk import audit

    def record(session: Session, warning: RiskWarning, action: str, detail: dict[str, Any]) -> None:
        audit.record(
            session,
            None,
            action,
            at=warnings.clock.now(),
            object_type="warning",
            object_id=warning.id,
            detail=detail,
            username=by[:64],
        )

    report = warnings.import_file(path, f"cli:{by}"[:64], on_change=record)
    for error in report.errors:
        what = f"{error.name}: " if error.name else ""
        print(f"{path}:{error.line}: {what}{error.reason}", file=sys.stderr)
    if not report.ok:
        print(f"{path}: {len(report.errors)} row(s) refused; nothing was published")
        return 1
    queued = sum(p.queued for p in report.published)
    print(
        f"{path}: {len(report.published)} warning(s) published "
        f"({', '.join(f'warning:{p.warning.id}' for p in report.published)}), {queued} push(es) queued"
    )
    return 0


def _knowledge(versions: KnowledgeVersions, args: argparse.Namespace) -> int:
    """The knowledge-* commands: a refused import prints every problem by file and line and stores nothing."""
    try:
        if args.command == "knowledge-import":
            version, publication = versions.import_directory(
                args.directory, args.by, reason=args.reason, publish=args.publish
            )
            state = "published" if publication is not None else "not published (publish it with --publish)"
            print(f"{args.directory}: stored as knowledge version {version.id} ({version.items} items), {state}")
            return 0
        if args.command == "knowledge-export":
            written = versions.export_published(args.directory)
            current = versions.published()
            assert current is not None
            print(f"{args.directory}: wrote {len(written)} files of knowledge version {current.version.id}")
            return 0
        if args.command in ("knowledge-publish", "knowledge-rollback"):
            change = versions.publish if args.command == "knowledge-publish" else versions.rollback
            publication = change(args.version, args.by, reason=args.reason)
            print(f"knowledge version {publication.version_id} is published (publication {publication.id})")
            return 0
        current = versions.published()
        served = current.version.id if current else None
        for version in versions.versions():
            mark = "*" if version.id == served else " "
            print(
                f"{mark} {version.id:>4}  {version.created_at:%Y-%m-%d %H:%M}  {version.author}  "
                f"{version.items} items  {version.reason}"
            )
        if served is None:
            print("nothing published: the files in knowledge/data are served")
        return 0
    except KnowledgeError as error:
        print(f"knowledge files rejected, nothing stored:\n{error}", file=sys.stderr)
        return 1
    except VersionRefused as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
