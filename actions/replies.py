"""The bot's fixed wording, in both languages. Answers themselves come from the knowledge base."""
from __future__ import annotations

import json

from knowledge import Item, KnowledgeBase, Language, Localized
from knowledge.items import chinese_numeral

EXPERT_PAYLOAD = "/request_human"
ITEM_INTENT = "ask_item"

EXPERT_BUTTON = Localized("找专家咨询", "Ask an expert")
MORE_BUTTON = Localized("查看详情", "More details")
MORE_DETAIL = "more"
ILLUSTRATIVE = Localized("【示例，非真实案件】", "[Illustrative example, not a real case] ")
CASE_OUTCOME = Localized("结果：", "Outcome: ")
CASE_LESSONS = Localized("启示：", "Lessons: ")

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


def item_payload(item: Item, *, detail: str | None = None) -> str:
    """The button payload that asks for one item by id (or its detail), answered without NLU guesswork."""
    entities = {"item": item.id} if detail is None else {"item": item.id, "detail": detail}
    return f"/{ITEM_INTENT}" + json.dumps(entities, ensure_ascii=False)


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


def _measures(kb: KnowledgeBase, refs: tuple[str, ...], language: Language) -> str:
    """"《实施意见》（晋知产发〔2022〕23号）第（五）条、第（十一）条" / "Measures 5 and 11 of the Implementation Opinions (…)"."""
    numbers = [int(ref.split(":")[1]) for ref in refs]
    if language == "en":
        listed = ", ".join(str(n) for n in numbers[:-1]) + (" and " if len(numbers) > 1 else "") + str(numbers[-1])
        return f"Measure{'s' if len(numbers) > 1 else ''} {listed} of {kb.policy.short.en} ({kb.policy.number})"
    return f"{kb.policy.short.zh}（{kb.policy.number}）" + "、".join(f"第（{chinese_numeral(n)}）条" for n in numbers)


def _footer(kb: KnowledgeBase, item: Item, language: Language) -> str:
    """The sources line, and for FAQ entries and cases the measures they relate to."""
    if item.kind == "policy":
        return ("Source: " if language == "en" else "来源：") + kb.cite(item, language)
    lines = [("Sources: " if language == "en" else "来源：") + ("; " if language == "en" else "；").join(item.sources)]
    if item.policy:
        label = "Related provincial measures: " if language == "en" else "相关政策："
        lines.append(label + _measures(kb, item.policy, language))
    return "\n".join(lines)


def answer_text(kb: KnowledgeBase, item: Item, language: Language, *, detail: bool = False) -> str:
    """The answer, its source and (for a measure) the measure named up front.

    `detail` gives the item's longer text (the "more" button) instead of the short answer.
    """
    if item.kind == "policy" and item.number is not None:
        if language == "en":
            lead = f"Under Measure {item.number} of {kb.policy.short.en} (“{item.title.en}”):"
        else:
            lead = f"依据{kb.policy.short.zh}第（{chinese_numeral(item.number)}）条“{item.title.zh}”："
    else:
        lead = (ILLUSTRATIVE.get(language) if item.illustrative else "") + item.title.get(language)
    body = item.text.get(language) if detail and item.text.get(language) else item.answer.get(language)
    if item.kind == "case":
        body += "\n" + CASE_OUTCOME.get(language) + item.details["outcome"].get(language)
        body += "\n" + CASE_LESSONS.get(language) + item.details["lessons"].get(language)
    return f"{lead}\n{body}\n\n{_footer(kb, item, language)}"
