"""Leaving what the bot is collecting (a form, an offer): the words of stopping, and the question a message that
leaves goes on to ask."""

from __future__ import annotations

import re

from knowledge.cues.asking import QUESTION
from knowledge.cues.patterns import any_of
from knowledge.cues.small_talk import SMALL_TALK_WORDS


#: Words at the start of a message that leave a form or an offer ("算了不用了 我就问下337调查谁能代理"), each followed by
#: the end, a pause, another of them or the words that start what the user wants instead, so that "不用了解太多" and
#: "算了一下费用" are not read as leaving.
_LEAVING = re.compile(
    r"^\s*(?:(?:算了|不用了|不要了|不需要了|先不用了|先不要了|不转了|不找了|不填了|不问(这个|这|那个)?了|never\s?mind|forget it|no thanks)"
    r"(?:吧|啊|哈)?(?=$|[\s,，。.!！、~～]|算了|不用|不要|不需要|不问|我|还是|先|直接|就|那|想|问)[\s,，。.!！、~～]*)+",
    re.IGNORECASE,
)


#: Whom a user may ask for after leaving ("算了 我还是找专家吧").
_A_PERSON = any_of(r"专家|人工|律师|顾问|真人|老师|expert|lawyer|attorney|advis[eo]r|human|person")


#: The words of stopping what the bot collects ("取消", "算了", "别填了", "跳过", "never mind"): a form is never
#: stopped on an unsure reading without one of them ("玻璃杯、玻璃餐具" as the products of a fair).
CANCEL_WORDS = any_of(
    r"取消|取小|算了|不用|不要|不需要|不想|不填|别填|别问|停|退出|结束|放弃|撤销|撤回|跳过|中止|终止|不弄|不搞|不提交|不转|不找|"
    r"删掉|点错|改主意",
    r"(?<![a-z])(cancel|stop|quit|abort|forget|never ?mind|skip|don'?t|no need|exit)(?![a-z])",
)


def leaving(text: str) -> str | None:
    """What a message that begins by leaving asks instead ("算了不用了 我就问下337调查谁能代理" → "我就问下337调查谁能代理"),
    "" when it only leaves, None when it does not begin so."""
    match = _LEAVING.match(text)
    return text[match.end() :].strip() if match else None


def asks_instead(text: str) -> str | None:
    """The question a message that leaves goes on to ask, when it asks one: a question word or more than a few
    characters ("不用了谢谢" asks nothing)."""
    rest = leaving(text)
    if not rest or (SMALL_TALK_WORDS["thank"].search(rest) and not QUESTION.search(rest)) or _A_PERSON.search(rest):
        return None  # "算了 我还是找专家吧" asks for a person after all: the classifier's reading of that stands
    return rest if QUESTION.search(rest) or len(rest) >= 6 else None
