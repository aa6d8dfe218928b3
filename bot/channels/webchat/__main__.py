"""Serve the web chat: `python -m bot.channels.webchat` (`make run` starts it on 127.0.0.1:8081).

Settings come from the environment only (IPDESK_WEBCHAT_*, IPDESK_RASA_URL, IPDESK_RASA_TOKEN, IPDESK_VAR_DIR,
IPDESK_DATABASE_URL; `python -m bot settings` lists them).
"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot.settings import SettingsError
from bot.channels.webchat.config import WebchatSettings


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m bot.channels.webchat", description=__doc__.split("\n\n")[0]).parse_args(
        argv
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry Rasa's token
    try:
        settings = WebchatSettings.from_environment()
    except SettingsError as error:
        print(f"cannot start the web chat: {error}", file=sys.stderr)
        return 2
    from bot.channels.webchat.server import Webchat, build_app

    web.run_app(build_app(Webchat(settings)), host=settings.host, port=settings.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
