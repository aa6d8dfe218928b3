"""What a follower reads: the bot's replies as WeChat messages — split under WeChat's limits, buttons as a tappable
menu or a numbered list, and any text (a company name the form repeats, say) arriving exactly as written inside the
XML of a passive reply."""

from __future__ import annotations

from typing import Any

import xmltodict
from wechatpy.replies import TextReply

from bot.channels.wechat.rendering import TEXT_LIMIT, cdata, from_rasa, msgmenu, numbered, parse_option_id


def test_a_long_answer_is_split_under_both_limits_without_losing_a_character() -> None:
    answer = (
        "海外参展前，请核对展品的专利和商标状况，准备权属证明和不侵权分析。" * 60
    ) + "详见 https://example.org/a-long-link"
    messages = from_rasa([{"text": answer}], lambda options: 1, "zh", None)
    assert len(messages) > 1
    assert all(len(m["text"]) <= TEXT_LIMIT and len(m["text"].encode("utf-8")) <= 2048 for m in messages)
    assert "".join(m["text"] for m in messages).replace(" ", "") == answer.replace(" ", "")
    assert messages[-1]["text"].endswith("https://example.org/a-long-link")  # the link is not cut


def test_buttons_become_a_menu_whose_ids_lead_back_to_the_option_and_a_numbered_list_in_a_reply() -> None:
    remembered: list[list[tuple[str, str]]] = []

    def remember(options: list[tuple[str, str]]) -> int:
        remembered.append(options)
        return 12

    replies: list[dict[str, Any]] = [
        {
            "text": "您是想问哪一项？",
            "buttons": [{"title": "337调查", "payload": "/ask_337"}, {"title": "找专家", "payload": "/request_human"}],
        },
        {"custom": {"kind": "clarify", "language": "zh", "sources": ["policy:7"]}},
    ]
    messages = from_rasa(replies, remember, "zh", "https://chat.example.cn")
    assert remembered == [[("337调查", "/ask_337"), ("找专家", "/request_human")]]
    body = msgmenu(messages[0])
    assert [o["content"] for o in body["list"]] == ["337调查", "找专家"]
    assert [parse_option_id(o["id"]) for o in body["list"]] == [(12, 1), (12, 2)]
    assert numbered(messages[0], "zh").endswith("回复数字选择：\n1. 337调查\n2. 找专家")
    assert messages[-1]["text"].endswith("https://chat.example.cn/source/policy:7")  # the source, as a link


def test_text_that_would_end_the_xml_section_arrives_as_written() -> None:
    hostile = "太原]]></Content><MsgType>news</MsgType><Content><![CDATA[有限公司 <b>&amp;"
    xml = TextReply(source="gh_x", target="o_x", content=cdata(hostile)).render()
    reply = xmltodict.parse(xml)["xml"]
    assert reply["Content"] == hostile and reply["MsgType"] == "text"
