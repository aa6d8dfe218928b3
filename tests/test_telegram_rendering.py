"""Rasa's replies as Telegram messages: pieces under the 4096 limit cut where a reader would, buttons as keyboards."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.telegram.experts import notice_messages, ticket_in
from bot.channels.telegram.rendering import BUTTON, from_rasa, keyboard, split_text, text_messages, utf16_length
from bot.desk.schema import OutboxMessage

LINK = "https://www.usitc.gov/intellectual_property/337_statistics_number_section_337_investigations.htm?x=1&y=2"


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_a_short_text_is_one_piece_and_whitespace_around_it_goes() -> None:
    assert split_text("  依据《实施意见》第（七）条。 \n") == ["依据《实施意见》第（七）条。"]
    assert split_text("") == []


def test_ten_thousand_chinese_characters_are_cut_at_sentence_ends_and_links_stay_whole() -> None:
    text = (
        "企业应当核对送达日期并尽快委托律师，评估不侵权抗辩和无效抗辩，准备技术比对材料。" * 6 + f"详见{LINK} 。"
    ) * 30
    text = text[:10_000]
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)
    assert "".join(pieces).count(LINK) == text.count(LINK)
    assert all(piece.endswith(("。", "，")) or piece is pieces[-1] for piece in pieces)


def test_english_is_cut_between_words_never_inside_one() -> None:
    words = [f"word{i}" for i in range(2500)]
    pieces = split_text(" ".join(words) + f" {LINK}")
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert [w for piece in pieces for w in piece.split()] == words + [LINK]


def test_paragraphs_are_preferred_over_lines_and_sentences() -> None:
    first = "第一段。" + "甲" * 3000
    second = "第二段。" + "乙" * 3000
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_length_is_counted_as_telegram_counts_it_in_utf16_units() -> None:
    pieces = split_text("😀" * 3000)  # each is two UTF-16 units: 6000 in all
    assert [utf16_length(piece) for piece in pieces] == [4096, 1904]


def test_a_word_longer_than_a_message_is_the_only_thing_ever_cut() -> None:
    pieces = split_text("x" * 5000)
    assert [len(piece) for piece in pieces] == [4096, 904]


def test_short_buttons_share_a_row_and_long_ones_get_their_own() -> None:
    rows = keyboard([(str(score), f"r{score}") for score in range(1, 6)])
    assert [[b["text"] for b in row] for row in rows] == [["1", "2", "3", "4", "5"]]
    rows = keyboard([("查看详情", "a"), ("找专家咨询", "b"), ("第（五）条 加强海外风险防控…", "c")])
    assert [[b["text"] for b in row] for row in rows] == [["查看详情", "找专家咨询"], ["第（五）条 加强海外风险防控…"]]


def test_rasa_replies_become_messages_with_keyboards_and_the_reply_contract_is_not_shown() -> None:
    remembered: dict[str, str] = {}

    def remember(title: str, payload: str) -> str:
        remembered[title] = payload
        return f"k{len(remembered)}"

    replies: list[dict[str, Any]] = [
        {
            "recipient_id": "tg:1",
            "text": "依据《实施意见》第（七）条……",
            "buttons": [
                {"title": "查看详情", "payload": '/ask_item{"item": "policy:7", "detail": "more"}'},
                {"title": "找专家咨询", "payload": "/request_human"},
            ],
        },
        {"recipient_id": "tg:1", "custom": {"kind": "answer", "language": "zh", "sources": ["policy:7"]}},
    ]
    messages = from_rasa(replies, remember)
    assert messages == [
        {
            "text": "依据《实施意见》第（七）条……",
            "keyboard": [
                [
                    {"text": "查看详情", "callback_data": f"{BUTTON}k1"},
                    {"text": "找专家咨询", "callback_data": f"{BUTTON}k2"},
                ]
            ],
        }
    ]
    assert remembered["查看详情"] == '/ask_item{"item": "policy:7", "detail": "more"}'


def test_the_keyboard_goes_under_the_last_piece_of_a_long_reply() -> None:
    messages = text_messages("句子。" * 3000, [[{"text": "1", "callback_data": "x"}]])
    assert len(messages) == 3 and [("keyboard" in m) for m in messages] == [False, False, True]


@pytest.mark.parametrize("kind, buttons", [("case_assigned", 2), ("case_reopened", 0)])
def test_an_expert_notice_carries_the_summary_and_the_buttons_to_decide(kind: str, buttons: int) -> None:
    payload = {
        "ticket": "SX-20261124-0007",
        "text": "【紧急】新案件 SX-20261124-0007：太原示例机械有限公司，美国 / 专利。",
        "company": "太原示例机械有限公司",
        "contact_name": "王经理",
        "country": "美国",
        "ip_type": "专利",
        "description": "被诉专利侵权。" * 400,
        "deadline": "2026-12-14",
    }
    message = OutboxMessage(idempotency_key="k", channel="telegram", recipient="4242", kind=kind, payload=payload)
    [notice] = notice_messages(message)
    assert ticket_in(notice["text"]) == "SX-20261124-0007"
    assert "王经理" in notice["text"] and "2026-12-14" in notice["text"] and utf16_length(notice["text"]) <= 4096
    assert len([b for row in notice.get("keyboard", []) for b in row]) == buttons


def test_a_staff_alert_to_a_telegram_group_is_sent_as_it_is() -> None:
    message = OutboxMessage(
        idempotency_key="k",
        channel="telegram",
        recipient="-1001234567890",
        kind="staff_alert",
        payload={"ticket": "SX-20261124-0007", "text": "工单 SX-20261124-0007（紧急）：无合适专家可分配"},
    )
    assert notice_messages(message) == [{"text": "工单 SX-20261124-0007（紧急）：无合适专家可分配"}]
