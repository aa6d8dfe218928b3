"""The hotline console: `python -m bot.console [serve]` serves it (`make run` does); `create-admin` makes the
first administrator, who then opens accounts for staff and experts in the console.

    python -m bot.console create-admin admin --name 管理员          # asks for the password twice
    printf '%s\\n' "$PASSWORD" | python -m bot.console create-admin admin --password-stdin
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys

from aiohttp import web

from bot.config import DeskSettings, SettingsError
from bot.console.accounts import AccountError
from bot.console.config import ConsoleSettings
from bot.console.context import ConsoleContext
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
        web.run_app(create_app(ctx), host=settings.host, port=settings.port, access_log=None,
                    print=lambda _: log.info("console on http://%s:%s", settings.host, settings.port))
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


if __name__ == "__main__":
    raise SystemExit(main())
