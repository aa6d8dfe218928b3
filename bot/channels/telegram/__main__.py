"""Serve the bot on Telegram: `python -m bot.channels.telegram` (`make run` starts it when IPDESK_TELEGRAM_BOT_TOKEN is set).

Configuration comes from the environment only:

  IPDESK_TELEGRAM_BOT_TOKEN       the bot's token from @BotFather (required; never put it in a file in the repository)
  IPDESK_TELEGRAM_BASE_URL        the Bot API server, default https://api.telegram.org (a local Bot API server, a test double)
  IPDESK_TELEGRAM_MODE            polling (default: works behind NAT) or webhook
  IPDESK_TELEGRAM_WEBHOOK_URL     webhook mode: the public https:// address Telegram posts to
  IPDESK_TELEGRAM_WEBHOOK_LISTEN  webhook mode: the address to listen on (default 127.0.0.1, behind a reverse proxy)
  IPDESK_TELEGRAM_WEBHOOK_PORT    webhook mode: the port to listen on (default 8443)
  IPDESK_TELEGRAM_WEBHOOK_SECRET  webhook mode: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (required)
  IPDESK_RASA_URL          the Rasa server (default http://127.0.0.1:5005)
  IPDESK_RASA_TOKEN               Rasa's API token (required)
  IPDESK_DATABASE_URL             the desk's database (default sqlite:///var/desk.db)
  IPDESK_VAR_DIR           where the inbox (telegram-inbox.db) and received files (attachments/) live (default var/)
  IPDESK_TELEGRAM_POLL_TIMEOUT    seconds a long poll waits for news (default 30)
  IPDESK_TELEGRAM_RETRY_BASE/MAX  seconds before retrying work that waits for a part that is down (default 2, doubling to 60)
  IPDESK_TELEGRAM_DESK_INTERVAL   seconds between passes over the desk's outbox (default 2)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from telegram.error import InvalidToken

from bot.settings import SettingsError
from bot.channels.telegram.config import TelegramSettings

log = logging.getLogger("bot.channels.telegram")


async def serve(settings: TelegramSettings) -> int:
    from bot.channels.telegram.worker import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run(settings, stop)
    except InvalidToken:
        log.error("Telegram refused the bot token (IPDESK_TELEGRAM_BOT_TOKEN): check it with @BotFather")
        return 1
    log.info("Telegram worker stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m bot.channels.telegram",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    # httpx logs every request's URL at INFO, and Bot API URLs contain the bot token (Rasa's carry its token).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # python-telegram-bot gives retry_after as a timedelta when asked to (the int form is deprecated).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = TelegramSettings.from_environment()
    except SettingsError as error:
        print(f"cannot start the Telegram worker: {error}", file=sys.stderr)
        return 2
    return asyncio.run(serve(settings))


if __name__ == "__main__":
    raise SystemExit(main())
