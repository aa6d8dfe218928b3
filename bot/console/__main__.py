"""The hotline console: `python -m bot.console [serve]` serves it (`make run` does); `create-admin` makes the
first administrator, who then opens accounts for staff and experts in the console.

    python -m bot.console create-admin admin --name 管理员          # asks for the password twice
    printf '%s\\n' "$PASSWORD" | python -m bot.console create-admin admin --password-stdin
    python -m bot.console purge --dry-run     # how much personal data is past IPDESK_RETENTION_DAYS
    python -m bot.console purge               # anonymise it (run it daily, e.g. from cron)
    python -m bot.console purge --contact 13900000001   # one enterprise's data now, on its request (or --ticket SX-…)
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from aiohttp import web

from bot.settings import DeskSettings, SettingsError
from bot.console.accounts import AccountError
from bot.console.config import ConsoleSettings
from bot.console.context import ConsoleContext
from bot.desk.cleaning import DeskError
from bot.desk.retention import PersonalStores, purge, purge_enterprise
from bot.console.web import create_app

log = logging.getLogger("bot.console")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description="The hotline console.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the console (the default)")
    admin = commands.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("username")
    admin.add_argument("--name", default="管理员", help="the name shown in the console and the audit trail")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    purging = commands.add_parser("purge", help="anonymise personal data older than the retention period")
    purging.add_argument("--dry-run", action="store_true", help="count what would be anonymised, change nothing")
    one = purging.add_mutually_exclusive_group()
    one.add_argument("--contact", help="one enterprise on its request: everything about this phone or e-mail, now")
    one.add_argument("--ticket", help="one enterprise on its request: everything about this ticket's enterprise, now")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    try:
        settings, desk_settings = ConsoleSettings.from_environment(), DeskSettings.from_environment()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    ctx = ConsoleContext.build(settings, desk_settings)
    try:
        if args.command == "create-admin":
            return _create_admin(ctx, args.username, args.name, args.password_stdin)
        if args.command == "purge":
            if args.contact or args.ticket:
                return _purge_enterprise(ctx, args.contact, args.ticket)
            return _purge(ctx, args.dry_run)
        web.run_app(
            create_app(ctx),
            host=settings.host,
            port=settings.port,
            access_log=None,
            print=lambda _: log.info("console on http://%s:%s", settings.host, settings.port),
        )
        return 0
    finally:
        ctx.engine.dispose()


def _create_admin(ctx: ConsoleContext, username: str, name: str, from_stdin: bool) -> int:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    try:
        user = ctx.accounts.create_user(username, name, "admin", password, actor_name="command-line")
    except (AccountError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"administrator {user.username} created; sign in at http://{ctx.settings.host}:{ctx.settings.port}/login")
    return 0


PURGE_LABELS = {
    "calls": "hotline calls anonymised",
    "tickets": "closed tickets anonymised",
    "transcript_lines": "transcript lines anonymised",
    "ticket_events": "enterprise ticket events anonymised",
    "exhibition_registrations": "trade-fair registrations anonymised",
    "warning_subscribers": "former warning subscribers deleted",
    "attachments": "attachment files deleted",
    "attachment_failures": "attachment files that could not be deleted",
    "outbox_messages": "outbox messages deleted",
    "sign_in_attempts": "sign-in attempts deleted",
    "knowledge_gaps": "unanswered questions deleted (the gap queue)",
    "feedback_comments": "comments on answers removed",
    "sessions": "expired console sessions deleted",
    "audit_ips": "audit entries' IP addresses removed",
    "tracker_events": "conversation events deleted (Rasa's tracker store)",
    "telegram_inbox": "Telegram inbox rows deleted",
    "log_files": "log files deleted",
}


def _purge_enterprise(ctx: ConsoleContext, contact: str | None, ticket: str | None) -> int:
    try:
        report = purge_enterprise(
            ctx.sessions, ctx.clock, contact=contact, ticket=ticket, stores=PersonalStores.from_environment(ctx.engine)
        )
    except DeskError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("personal data of one enterprise, on its request:")
    for name, count in report.counts().items():
        print(f"  {PURGE_LABELS[name]}: {count}")
    return 1 if report.attachment_failures else 0


def _purge(ctx: ConsoleContext, dry_run: bool) -> int:
    report = purge(
        ctx.sessions, ctx.clock, ctx.desk_settings, dry_run=dry_run, stores=PersonalStores.from_environment(ctx.engine)
    )
    print(
        f"{'dry run, nothing changed: what a purge would do to ' if dry_run else ''}personal data older than "
        f"{ctx.desk_settings.retention_days} days (before {report.cutoff:%Y-%m-%d %H:%M} UTC)"
    )
    for name, count in report.counts().items():
        print(f"  {PURGE_LABELS[name]}: {count}")
    return 1 if report.attachment_failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
