"""The bot's fixed wording, in both languages. Answers themselves come from the knowledge base."""
from __future__ import annotations

import json

from knowledge import Item, KnowledgeBase, Language, Localized
from knowledge.items import chinese_numeral

EXPERT_PAYLOAD = "/request_human"
ITEM_INTENT = "ask_item"

EXPERT_BUTTON = Localized("找专家咨询", "Ask an expert")

SCOPE = Localized(
    "我是海外知识产权纠纷应对咨询助手，提供公益咨询：337调查、海外专利商标诉讼、跨境电商投诉和账户冻结、展会维权、海关扣货、"
    "商标抢注、地理标志、知识产权保险、调解仲裁、预警和展会服务等。",
    "I am the overseas IP dispute helpdesk, a free public service: Section 337 investigations, patent and trademark "
    "suits abroad, marketplace complaints and frozen accounts, trade-fair disputes, customs seizures, trademark "
    "squatting, geographical indications, IP insurance, mediation and arbitration, warnings and exhibition services.",
)
GREETING = Localized(
    "您好！" + SCOPE.zh + "请直接描述您的问题；遇到正在发生的纠纷，可以随时找专家。",
    "Hello! " + SCOPE.en + " Just describe your question; for a dispute that is happening now, ask for an expert at any time.",
)
HELP = Localized(
    SCOPE.zh + "\n您可以这样问：\n· 有哪些海外知识产权保险？\n· 337调查一般要多久？\n· 亚马逊店铺被冻结了怎么办？\n"
    "每个回答都会注明依据；需要人工时点“找专家咨询”。",
    SCOPE.en + "\nTry asking:\n· What IP insurance is there for exporters?\n· How long does a 337 investigation take?\n"
    "· Our Amazon store was frozen, what now?\nEvery answer names its source; tap “Ask an expert” for a person.",
)
GOODBYE = Localized("再见！有海外知识产权方面的问题，随时来问。", "Goodbye! Come back any time with an overseas IP question.")
THANKS = Localized("不客气！还有其他问题可以继续问我。", "You're welcome! Ask me anything else you need.")
CLARIFY = Localized(
    "抱歉，我没能确定您想问什么。可以换个说法再问一次，或者选一个常见主题：",
    "Sorry, I'm not sure what you are asking. Could you put it another way, or pick a common topic:",
)
DECLINE = Localized(
    "抱歉，这个问题不在本助手的服务范围内，我不便作答。" + SCOPE.zh,
    "Sorry, that is outside what this service covers, so I won't guess. " + SCOPE.en,
)
REFER = Localized("建议：{text}", "Where to go instead: {text}")

#: Topic buttons offered when a question is unclear: each sends a question the NLU understands.
CLARIFY_TOPICS = (
    (Localized("337调查", "Section 337"), Localized("337调查是什么，怎么应对？", "What is a Section 337 investigation?")),
    (Localized("账户冻结", "Frozen account"), Localized("跨境电商店铺被冻结一般怎么处理？", "How do I deal with a frozen marketplace account?")),
    (Localized("知识产权保险", "IP insurance"), Localized("有哪些海外知识产权保险？", "What overseas IP insurance is there?")),
    (Localized("展会服务", "Trade fairs"), Localized("参加海外展会有什么服务？", "What help is there for trade fairs abroad?")),
)


def item_payload(item: Item) -> str:
    """The button payload that asks for one item by id, answered without NLU guesswork."""
    return f"/{ITEM_INTENT}" + json.dumps({"item": item.id}, ensure_ascii=False)


def item_label(kb: KnowledgeBase, item: Item, language: Language) -> str:
    """A short button label: "第（五）条 加强海外风险防控…" / "Measure 5: Strengthen overseas …"."""
    title = item.title.get(language)
    if item.kind == "policy" and item.number is not None:
        prefix = f"Measure {item.number}: " if language == "en" else f"第（{chinese_numeral(item.number)}）条 "
    else:
        prefix = ""
    label = prefix + title
    limit = 40 if language == "en" else 20
    return label if len(label) <= limit else label[: limit - 1] + "…"


def answer_text(kb: KnowledgeBase, item: Item, language: Language) -> str:
    """The answer with the measure it rests on named up front and its full citation at the end."""
    citation = kb.cite(item, language)
    if item.kind == "policy" and item.number is not None:
        if language == "en":
            lead = f"Under Measure {item.number} of {kb.policy.short.en} (“{item.title.en}”):"
            tail = f"Source: {citation}"
        else:
            lead = f"依据{kb.policy.short.zh}第（{chinese_numeral(item.number)}）条“{item.title.zh}”："
            tail = f"来源：{citation}"
    else:
        lead = item.title.get(language) + (":" if language == "en" else "：")
        tail = ("Source: " if language == "en" else "来源：") + citation
    return f"{lead}\n{item.answer.get(language)}\n\n{tail}"
