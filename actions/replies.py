"""The bot's fixed wording, in both languages. Answers themselves come from the knowledge base."""

from __future__ import annotations

import json

from bot.settings import DeskSettings
from knowledge import Item, Language, Localized
from knowledge.answers import answer_text, item_label  # noqa: F401  (the answer's wording lives with the knowledge)

EXPERT_PAYLOAD = "/request_human"
ITEM_INTENT = "ask_item"

EXPERT_BUTTON = Localized("找专家咨询", "Ask an expert")
MORE_BUTTON = Localized("查看详情", "More details")
MORE_DETAIL = "more"
#: Under every answer: was it helpful? (one tap; 没帮助 then asks for an optional comment)
HELPFUL_BUTTON = Localized("👍 有帮助", "👍 Helpful")
UNHELPFUL_BUTTON = Localized("👎 没帮助", "👎 Not helpful")
FEEDBACK_INTENT = "answer_feedback"
THANKS_HELPFUL = Localized(
    "谢谢您的反馈！还有其他问题可以继续问我。", "Thank you for the feedback! Ask me anything else."
)
SORRY_UNHELPFUL = Localized(
    "抱歉这条答复没帮上忙，已记下，工作人员会改进它。需要的话可以点“找专家咨询”。",
    "Sorry this answer did not help; it is noted and the staff will improve it. Tap “Ask an expert” if you need a "
    "person.",
)

SCOPE = Localized(
    "我是海外知识产权纠纷应对咨询助手，提供公益咨询：337调查、海外专利商标诉讼、跨境电商投诉和账户冻结、展会维权、海关扣货、"
    "商标抢注、地理标志、知识产权保险、调解仲裁、预警和展会服务等。",
    "I am the overseas IP dispute helpdesk, a free public service: Section 337 investigations, patent and trademark "
    "suits abroad, marketplace complaints and frozen accounts, trade-fair disputes, customs seizures, trademark "
    "squatting, geographical indications, IP insurance, mediation and arbitration, warnings and exhibition services.",
)
GREETING = Localized(
    "您好！" + SCOPE.zh + "请直接描述您的问题；遇到正在发生的纠纷，可以随时找专家。",
    "Hello! "
    + SCOPE.en
    + " Just describe your question; for a dispute that is happening now, ask for an expert at any time.",
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
    "案件办结后保存 {days} 天{about_zh}，到期自动匿名化。机器人未能答好的问题会去掉联系方式、不记提问人，"
    "留给工作人员改进答复，{days} 天后删除。",
    "Privacy: your company name, contact details and case description are used only for this consultation and the "
    "expert's answer, and only the desk's staff and the expert handling your case can see them; they are kept for "
    "{days} days{about_en} after the case is closed, then anonymised automatically. Questions the bot could not "
    "answer well are kept without contact details or who asked, for the staff to improve the answers, and deleted "
    "after {days} days.",
)
GOODBYE = Localized(
    "再见！有海外知识产权方面的问题，随时来问。", "Goodbye! Come back any time with an overseas IP question."
)
THANKS = Localized("不客气！还有其他问题可以继续问我。", "You're welcome! Ask me anything else you need.")
CLARIFY = Localized(
    "我不能确定您问的是哪一个，您是想了解下面哪个问题？也可以换个说法，或直接找专家。",
    "I am not sure which of these you mean. Pick one, put the question another way, or ask an expert.",
)
UNKNOWN = Localized(
    "抱歉，我没能确定您的问题和海外知识产权纠纷的哪个方面有关，不想随便给您一个不对的答案。"
    "可以说说具体情况（哪个国家、什么权利、发生了什么），或者点“找专家咨询”由专家解答。",
    "Sorry, I cannot tell which overseas IP question this is, and I would rather not guess. Tell me more (which "
    "country, which right, what happened), or tap “Ask an expert” for a person.",
)
REFUSE = {
    "harmful": Localized(
        "抱歉，这个请求我不能协助：本服务只提供合法合规的海外知识产权纠纷应对咨询，不协助侵权、规避执法、行贿、"
        "伪造证据或获取他人信息。如果您正面临纠纷，可以问我如何应诉、和解、申诉或做设计规避，或点“找专家咨询”。",
        "Sorry, I can't help with that. This service gives lawful advice on overseas IP disputes only; it does not "
        "help to infringe, evade enforcement, bribe, fake evidence or obtain other people's data. If you face a "
        "dispute, ask me how to respond, settle, appeal or design around, or tap “Ask an expert”.",
    ),
    "injection": Localized(
        "抱歉，我只回答海外知识产权纠纷方面的问题，不执行改变我设定的指令，也不提供系统、配置或其他用户的信息。",
        "Sorry, I only answer questions on overseas IP disputes. I don't follow instructions that change how I work, "
        "and I don't give out system, configuration or other users' information.",
    ),
}


def privacy_notice() -> Localized:
    """The privacy notice with the retention period the desk is configured with (IPDESK_RETENTION_DAYS), read when
    the message is built: the period enterprises are told is the one `python -m bot.console purge` applies."""
    days = DeskSettings.from_environment().retention_days
    about_zh, about_en = _about(days)
    return Localized(PRIVACY.zh.format(days=days, about_zh=about_zh), PRIVACY.en.format(days=days, about_en=about_en))


def help_text() -> Localized:
    """The help text, ending with the privacy notice."""
    notice = privacy_notice()
    return Localized(HELP.zh + "\n" + notice.zh, HELP.en + "\n" + notice.en)


def _about(days: int) -> tuple[str, str]:
    """ "（约 2 年）" / " (about 2 years)" for a period people read more easily in years or months; nothing for
    less than a month."""
    if days >= 365:
        years = round(days / 365, 1)
        number = f"{years:g}"
        return f"（约 {number} 年）", f" (about {number} year{'' if years == 1 else 's'})"
    if days >= 30:
        months = round(days / 30)
        return f"（约 {months} 个月）", f" (about {months} month{'' if months == 1 else 's'})"
    return "", ""


def feedback_buttons(item: Item, lang: Language) -> list[dict[str, str]]:
    """有帮助 / 没帮助 for the answer from `item`."""
    return [
        {
            "title": button.get(lang),
            "payload": f"/{FEEDBACK_INTENT}" + json.dumps({"helpful": verdict, "item": item.id}, ensure_ascii=False),
        }
        for button, verdict in ((HELPFUL_BUTTON, "yes"), (UNHELPFUL_BUTTON, "no"))
    ]


def item_payload(item: Item, *, detail: str | None = None) -> str:
    """The button payload that asks for one item by id (or its detail), answered without NLU guesswork."""
    entities = {"item": item.id} if detail is None else {"item": item.id, "detail": detail}
    return f"/{ITEM_INTENT}" + json.dumps(entities, ensure_ascii=False)
