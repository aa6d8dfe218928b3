"""`python -m bot settings`: every setting of every process, with the value this environment gives it.

python -m bot settings            name, value (secrets masked; "(default …)" when unset) and what it does
python -m bot settings --check    read every part's settings as the processes do; exit 1 naming the first bad one
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import groupby

from bot.settings import SETTINGS, DeskSettings, SettingsError, shown

PARTS = {
    "processes": "where things are (every process)",
    "desk": "the desk",
    "runtime": "the Rasa runtime and the REST channel",
    "console": "the hotline console",
    "telegram": "the Telegram worker",
    "wechat": "the WeChat Official Account worker",
    "webchat": "the web chat",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("settings", help="list every setting and its value here")
    listing.add_argument("--check", action="store_true", help="read them as the processes do; exit 1 on a bad one")
    args = parser.parse_args(argv)

    env = os.environ
    width = max(len(setting.name) for setting in SETTINGS)
    for part, settings in groupby(SETTINGS, key=lambda setting: setting.part):
        print(f"# {PARTS.get(part, part)}")
        for setting in settings:
            print(f"{setting.name:<{width}}  {shown(setting, env)}\n{'':<{width}}  {setting.help}")
        print()
    if args.check:
        from bot.console.config import ConsoleSettings

        try:
            DeskSettings.from_environment(env)
            ConsoleSettings.from_environment(env)
            if os.environ.get("IPDESK_WECHAT_APP_ID"):  # the WeChat worker runs only when the account is set
                from bot.channels.wechat.config import WeChatSettings

                WeChatSettings.from_environment(env)
        except SettingsError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
