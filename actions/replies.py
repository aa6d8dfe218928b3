"""The bot's fixed wording, in both languages. Answers themselves come from the knowledge base."""
from __future__ import annotations

import json

from bot.settings import DeskSettings
from knowledge import Item, Localized
from knowledge.answers import answer_text, item_label  # noqa: F401  (the answer's wording lives with the knowledge)

EXPERT_PAYLOAD = "/request_human"
ITEM_INTENT = "ask_item"

EXPERT_BUTTON = Localized("找专家咨询", "Ask an expert")
MORE_BUTTON = Localized("查看详情", "More details")
MORE_DETAIL = "more"

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
    "还可以：“订阅美国 机械 专利预警”，有新预警时推送给您；“登记参展”，获得境外展会的展前清单和提醒。\n"
    "每个回答都会注明依据；需要人工时点“找专家咨询”。",
    SCOPE.en + "\nTry asking:\n· What IP insurance is there for exporters?\n· How long does a 337 investigation take?\n"
    "· Our Amazon store was frozen, what now?\nYou can also “subscribe to US patent warnings”, or “register a trade "
    "fair” for its pre-show checklist and reminders.\nEvery answer names its source; tap “Ask an expert” for a person.",
)
PRIVACY = Localized(
    "隐私说明：您留下的企业名称、联系方式和案情仅用于本次咨询和专家答复，仅工作人员和受理专家可见；"
    "案件办结后保存 {days} 天{about_zh}，到期自动匿名化。",
    "Privacy: your company name, contact details and case description are used only for this consultation and the "
    "expert's answer, and only the desk's staff and the expert handling your case can see them; they are kept for "
    "{days} days{about_en} after the case is closed, then anonymised automatically.",
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



def privacy_notice() -> Localized:
    """The privacy notice with the retention period the desk is configured with (IPDESK_RETENTION_DAYS), read when
    the message is built: the period enterprises are told is the one `python -m bot.console purge` applies."""
    days = DeskSettings.from_environment().retention_days
    about_zh, about_en = _about(days)
    return Localized(PRIVACY.zh.format(days=days, about_zh=about_zh),
                     PRIVACY.en.format(days=days, about_en=about_en))


def help_text() -> Localized:
    """The help text, ending with the privacy notice."""
    notice = privacy_notice()
    return Localized(HELP.zh + "\n" + notice.zh, HELP.en + "\n" + notice.en)


def _about(days: int) -> tuple[str, str]:
    """"（约 2 年）" / " (about 2 years)" for a period people read more easily in years or months; nothing for
    less than a month."""
    if days >= 365:
        years = round(days / 365, 1)
        number = f"{years:g}"
        return f"（约 {number} 年）", f" (about {number} year{'' if years == 1 else 's'})"
    if days >= 30:
        months = round(days / 30)
        return f"（约 {months} 个月）", f" (about {months} month{'' if months == 1 else 's'})"
    return "", ""


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
