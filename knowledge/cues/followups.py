"""Follow-ups: a short message that leans on the conversation's topic, by an aspect of it (time, cost, the next
step, the deadline, prevention), by ellipsis ("那德国呢") or by being short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
import re

from knowledge.cues.patterns import any_of


Aspect = Literal["time", "cost", "next", "deadline", "prevent"]


#: What an elliptical follow-up asks about the conversation's topic, and the words that say it, in both languages.
ASPECTS: dict[Aspect, re.Pattern[str]] = {
    "time": any_of(
        r"多久|多长时间|多少天|几个月|几天|周期|时间|多快|更快|快一些|how long|how fast|how many (days|months|weeks)|duration|timeline"
    ),
    "cost": any_of(
        r"多少钱|费用|花费|成本|花多少|收费|贵不贵|要钱|免费|省(点|些)?钱|便宜|保费|补贴|资助|报销|how much|cost|fee|price|expensive|free|"
        r"premium|cheaper|save money|subsid"
    ),
    "next": any_of(
        r"然后呢|然后怎么|接下来|下一步|之后呢|之后怎么|后面怎么|再然后|第一步|先做什么|what next|next step|then what|what now|first step|after that"
    ),
    "deadline": any_of(r"期限|截止|最晚|来得及|deadline|time limit|too late|how soon"),
    # preparing before it happens ("那我们现在还没被告 要提前做点啥" after what a Schedule A case is)
    "prevent": any_of(
        r"提前(做|准备|防|注意)|预防|防范|怎么防|避免|(该|要|得)?准备(点)?(啥|什么|哪些)|注意(点)?(啥|什么|哪些)|"
        r"(?<![a-z])(prevent|avoid|prepare|precautions?)(?![a-z])"
    ),
}


#: Words that keep an elliptical question on the conversation's topic: "那德国呢", "what about Japan?".
ELLIPSIS = any_of(
    r"^(那|那么|那要是|换成|如果是|要是|在)?.{0,10}(呢|的话)[?？]?$|^(what|how) about\b|^and (in|for)\b|^same (for|in)\b|^in\s",
    r"(也|还)?(一样|相同|适用)吗[?？]?$|^(is|does|would) (that|this|it) (be )?(the same|apply|work)( for| in)?\b",
    # an elliptical first clause that the rest explains ("那temu呢，temu上也会有这种吗"), or the same again somewhere else
    # ("中东那边的展会也一样吗，比如迪拜那种", "那欧盟有没有类似的")
    r"^(那|那么|那要是|换成|如果是|要是)?[^，,。？?]{0,10}(呢|的话)[，,]",
    r"(也|还)(会)?(有|是|一样|相同|适用|这样)(这种|这样|类似)?(的)?(情况|问题|事|规定|做法)?(吗|嘛|么)|有没有类似|也有类似",
    # a short "then how do we…" that leans on what was just said ("那我们公司怎么买" after what IP insurance covers)
    r"^(那|那么)(我们|咱们|我|俺们)?(公司|企业|厂)?[^，,。？?]{0,6}(怎么|咋|如何|去哪|在哪|哪里)[^，,。]{0,6}[?？]?$",
)


#: Asking who handles something or where ("那找谁问", "哪个部门管", "电话多少"): after a referral, about the office.
ASKS_WHERE = any_of(
    r"找谁|问谁|哪个(部门|单位|机构|窗口)|哪里|哪儿|去哪|什么地方|电话|热线|网址|网站|地址",
    r"(?<![a-z])(who|where|which (office|agency|department)|phone|number|website)(?![a-z])",
)


#: Past this length a message carries its own topic and is read on its own.
MAX_FOLLOWUP_CHARS = 24


MAX_FOLLOWUP_WORDS = 9


@dataclass(frozen=True)
class FollowUp:
    aspect: Aspect | None
    elliptical: bool


#: A message this short (characters of Chinese, words of English) may lean on the topic even without a cue word.
SHORT_CHARS = 12


SHORT_WORDS = 6


def follow_up(text: str) -> FollowUp | None:
    """Whether a short message may lean on the conversation's topic: an aspect of it (time, cost, the next step, the
    deadline), the same question about something else ("那德国呢"), or just short ("有推荐的机构吗"). None for a message
    that is too long to be elliptical. Whether a short one really is, the answer action decides from how well it
    stands on its own."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_FOLLOWUP_CHARS * (3 if stripped.isascii() else 1):
        return None
    if stripped.isascii() and len(stripped.split()) > MAX_FOLLOWUP_WORDS:
        return None
    aspect = next((name for name, pattern in ASPECTS.items() if pattern.search(stripped)), None)
    elliptical = bool(ELLIPSIS.search(stripped))
    short = len(stripped.split()) <= SHORT_WORDS if stripped.isascii() else len(stripped) <= SHORT_CHARS
    if aspect is None and not elliptical and not short:
        return None
    return FollowUp(aspect, elliptical)
