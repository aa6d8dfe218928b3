"""Serve the bot on a WeChat Official Account: `python -m bot.channels.wechat` (`make run` starts it when
IPDESK_WECHAT_APP_ID is set); `python -m bot.channels.wechat menu` sets the account's custom menu.

Configuration comes from the environment only (`python -m bot settings` lists it):

  IPDESK_WECHAT_APP_ID, IPDESK_WECHAT_SECRET   the account's AppID and AppSecret (公众号 开发 → 基本配置)
  IPDESK_WECHAT_TOKEN                          the server configuration's Token (required)
  IPDESK_WECHAT_AES_KEY                        the EncodingAESKey, for the safe (encrypted) mode
  IPDESK_WECHAT_API_BASE                       where every API call goes (default https://api.weixin.qq.com)
  IPDESK_WECHAT_LISTEN, _PORT, _PATH           the server URL's address (default 127.0.0.1:8082/wechat)
  IPDESK_WECHAT_PASSIVE_SECONDS                how long to wait to answer in the reply itself (default 4)
  IPDESK_WECHAT_TEMPLATE_DESK, _WARNING        template ids outside the 48-hour window
  IPDESK_WECHAT_SOURCE_URL                     the web chat's public address, for source links
  IPDESK_RASA_URL, IPDESK_RASA_TOKEN           the Rasa server and its API token
  IPDESK_DATABASE_URL, IPDESK_VAR_DIR          the desk's database; where the inbox (wechat-inbox.db) lives
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.channels.wechat.config import WeChatSettings
from bot.settings import SettingsError

log = logging.getLogger("bot.channels.wechat")


async def serve(settings: WeChatSettings) -> int:
    from bot.channels.wechat.worker import run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run(settings, stop)
    log.info("WeChat worker stopped")
    return 0


def create_menu(settings: WeChatSettings) -> int:
    """Set the custom menu through the API; 0 when WeChat took it."""
    from bot.channels.wechat.api import WeChatApiError, WeChatUnavailable
    from bot.channels.wechat.menu import menu_body
    from bot.channels.wechat.worker import open_api
    from bot.desk.db import make_engine

    engine = make_engine(settings.database_url)
    api = open_api(settings, engine)
    try:
        api.create_menu(menu_body())
    except (WeChatApiError, WeChatUnavailable) as error:
        print(f"WeChat did not take the menu: {error}", file=sys.stderr)
        return 1
    finally:
        api.close()
        engine.dispose()
    print("the custom menu is set: 问政策 / 找专家 / 我的（我的工单、订阅预警）")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.wechat",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["serve", "menu"], default="serve")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    # httpx logs every request's URL at INFO: those to WeChat carry the access token or the AppSecret.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = WeChatSettings.from_environment()
    except SettingsError as error:
        print(f"cannot start the WeChat worker: {error}", file=sys.stderr)
        return 2
    if args.command == "menu":
        return create_menu(settings)
    return asyncio.run(serve(settings))


if __name__ == "__main__":
    raise SystemExit(main())
