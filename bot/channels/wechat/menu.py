"""The account's custom menu (自定义菜单): 问政策 / 找专家 / 我的工单 / 订阅预警, each a CLICK button whose key the
worker turns into the Rasa payload of that intent, so that a tap starts the same conversation as typing it.

`python -m bot.channels.wechat menu` sets it through the API (`menu/create`); WeChat shows the new menu to followers
within minutes. The button keys are what the worker knows (`MENU_PAYLOADS`): a menu made by hand in WeChat's own
editor with other keys gets no answer to its clicks.
"""

from __future__ import annotations

from typing import Any

#: The buttons, in the order shown: (title, key, the Rasa payload a click sends).
BUTTONS: tuple[tuple[str, str, str], ...] = (
    ("问政策", "IPDESK_POLICY", "/ask_policy_overview"),
    ("找专家", "IPDESK_EXPERT", "/request_human"),
    ("我的工单", "IPDESK_TICKETS", "/ask_ticket_status"),
    ("订阅预警", "IPDESK_WARNINGS", "/subscribe_warnings"),
)
MENU_PAYLOADS = {key: payload for _, key, payload in BUTTONS}


def menu_body() -> dict[str, Any]:
    """The `menu/create` body. WeChat allows three top-level buttons: the last two share a sub-menu (我的)."""
    first, second, *rest = BUTTONS
    return {
        "button": [
            {"type": "click", "name": first[0], "key": first[1]},
            {"type": "click", "name": second[0], "key": second[1]},
            {
                "name": "我的",
                "sub_button": [{"type": "click", "name": name, "key": key} for name, key, _ in rest],
            },
        ]
    }
