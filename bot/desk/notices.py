"""The desk's notices in words: what an enterprise is told when an expert takes its case and a week after it
closed, what an expert is told of a new or reopened case (in Chinese when they read it, else in English), and the
line staff see on an alert. The desk decides when each is sent; this module only says it."""

from __future__ import annotations

from typing import Sequence

from bot.contracts import Language
from bot.desk.schema import Ticket
from knowledge.vocabulary import Vocabulary


def case_accepted(number: str, language: Language) -> str:
    return {
        "zh": f"您的工单 {number} 已有专家受理，专家答复后将通过本渠道发送给您。",
        "en": f"An expert has taken up your ticket {number}; the answer will come to you here.",
    }[language]


def follow_up(number: str, days: int, language: Language) -> str:
    """The question a week after closing (回访)."""
    return {
        "zh": f"您好！工单 {number} 已办结{days}天。纠纷目前进展如何？专家意见是否有帮助？欢迎回复告诉我们。",
        "en": f"Hello! Ticket {number} was closed {days} days ago. How is the dispute going, and did "
        f"the expert's advice help? Reply to let us know.",
    }[language]


def expert_notice(ticket: Ticket, kind: str, due: str, languages: Sequence[str], vocabulary: Vocabulary) -> str:
    """A new case (or, for `kind` "case_reopened", a reopened one) as its expert reads it; `due` is when to accept
    by, in Beijing time."""
    if "zh" in languages:
        subject = " / ".join(v for v in (ticket.country, ticket.ip_type, ticket.dispute_type) if v) or "—"
        if kind == "case_reopened":
            text = f"工单 {ticket.number}（{subject}）已重新打开，请查看并答复。"
        else:
            urgency = "【紧急】" if ticket.priority == "urgent" else ""
            text = f"{urgency}新案件 {ticket.number}：{ticket.company}，{subject}。请在 {due}（北京时间）前受理或婉拒。"
    else:
        label = vocabulary.label
        subject = (
            " / ".join(
                label(entity, v, "en")
                for entity, v in (
                    ("country", ticket.country),
                    ("ip_type", ticket.ip_type),
                    ("dispute_type", ticket.dispute_type),
                )
                if v
            )
            or "—"
        )
        if kind == "case_reopened":
            text = f"Ticket {ticket.number} ({subject}) has been reopened; please review and answer."
        else:
            urgency = "[URGENT] " if ticket.priority == "urgent" else ""
            text = (
                f"{urgency}New case {ticket.number}: {ticket.company}, {subject}. Please accept or decline "
                f"by {due} (Beijing time)."
            )
    return text


def staff_alert(ticket: Ticket, message: str) -> str:
    return f"工单 {ticket.number}（{ticket.company}，{ticket.priority}）：{message}"
