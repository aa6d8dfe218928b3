"""Small talk: greetings, farewells, thanks, banter and questions about the bot itself, and a message that says
next to nothing once its politeness is gone."""

from __future__ import annotations

import re

from knowledge.cues.noise import FILLER, WORD
from knowledge.cues.pasted import URL
from knowledge.cues.patterns import CJK, any_of
from knowledge.cues.scope import FOREIGN, IP_MATTERS


#: The words of a greeting, a farewell or thanks. The classifier reads some unrelated short messages as these
#: ("今天天气怎么样" as a farewell); without such words a message is not small talk and is read as a question.
SMALL_TALK_WORDS = {
    "greet": any_of(
        r"你好|您好|大家好|老师好|[早晚上下中]午?好|早安|早啊|^早$|新年好|哈[喽罗]|嗨|^喂|在[吗么不]|在线吗|在的吗|有人[吗在]|"
        r"打扰|请教|(?<![a-z])(hi|hiya|hello|hey|morning|afternoon|evening|greetings|anyone)(?![a-z])"
    ),
    "goodbye": any_of(
        r"拜|再见|再会|回见|88|先这样|就这样|到这|再聊|再问|再说|再找|再来|先下|下线|下了|走了|先忙|去忙|晚安|先撤|退出|结束|"
        r"关闭|告辞|后会有期|先挂|不聊了|(?<![a-z])(bye|goodbye|see (you|ya)|later|gotta go|done|that'?s all|good day)(?![a-z])"
    ),
    "thank": any_of(
        r"谢|蟹蟹|感谢|感恩|感激|辛苦|帮大忙|受教|3q|(?<![a-z])(thanks?|thx|ty|cheers|appreciate)(?![a-z])"
    ),
}


#: Laughter and remarks about the bot ("哈哈你真聪明", "lol"): small talk, however short, never a follow-up question.
BANTER = any_of(
    r"哈{2,}|呵{2,}|嘿{2,}|嘻{2,}|[你您](真|好|太|挺)(聪明|厉害|棒|可爱|笨|傻|逗|有趣)|2333*",
    r"(?<![a-z])(lol|lmao|haha\w*|hehe)(?![a-z])",
)


#: Questions about the bot itself — who or what it is, its name, the model behind it: small talk, told what the desk
#: does, not a request for a person ("你是真人还是机器人") nor an attack ("你背后用的是哪个大模型").
ABOUT_THE_BOT = any_of(
    r"你是(不是)?(真人|机器人|人工智能|AI|ai|谁|男的|女的)|(真人|人)还是机器人|机器人还是(真人|人)|你叫(什么|啥)|你(今年)?几岁|你多大|"
    r"(什么|哪个|哪家)的?大模型|(用|是)的?(GPT|文心|通义|ChatGPT|deepseek)|谁(开发|做|造)的你|你是(哪|什么)(家|个)?(公司|单位)",
    r"(?<![a-z])(are you (a )?(bot|robot|human|real( person)?|ai|chatgpt)|what'?s your name|who (are|made|built) you|which (model|llm))(?![a-z])",
)


#: What the bot can speak or take, and how it compares ("你会说山西话不", "你支持语音吗", "你和Siri谁更聪明"): questions about
#: the bot that the list of what it can do (help) does not answer either.
BOT_CAPABILITY = any_of(
    r"(你|您)(会|能)(说|讲|听懂?)[^，。？?]{0,6}(话|语|文)|(支持|能|可以|能不能)(发|用|听)?语音|"
    r"你比.{0,12}(聪明|厉害|好用|强|笨)|(你|您)(和|跟)\S{1,8}谁(更)?(聪明|厉害)"
)


#: Questions about the desk itself — who runs it, whether it is the government's, how it relates to the offices that
#: issued the policy, who handles it in one's city ("你们和贸促会是一个单位吗", "咱们这个是不是政府的啊", "市里有没有人管
#: 这个"): answered from what the policy says of it (`decide.DESK_ITEM`), not sent to small talk.
ABOUT_THE_DESK = any_of(
    r"(你们|咱们|这个|您们)[^。？?，,]{0,8}(是不是|是)(政府|官方|国家|公家)|背后是(哪|什么)|"
    r"是(哪个|什么)(单位|部门|机构)(办|开|运营|主办)|(和|跟|与)(贸促会|知识产权局|商务厅)(是)?(一个|一家|什么)(单位|关系)|"
    r"谁(办|开|运营|主办)的|(市里|县里|我们市|当地)[^。？?]{0,6}(有没有人管|找谁|谁管)",
    r"(?<![a-z])(who (runs|operates|is behind) (this|you)|is this (a )?(government|official))(?![a-z])",
)


_ASKS_FOR_PERSON = re.compile(r"找|转|要|换|接|给我|(想|要)?(跟|和)(真人|人工|人)(说|聊|谈)")


def about_the_bot(text: str) -> bool:
    """Whether the message asks what the bot is, and not for a person ("你是机器人吗？给我转人工" asks for one)."""
    return bool(ABOUT_THE_BOT.search(text) or BOT_CAPABILITY.search(text)) and not _ASKS_FOR_PERSON.search(text)


#: Politeness that carries no question ("请问", "好的", "麻烦问一下").
_POLITE = re.compile(r"请问|问一下|问下|好的|你好|您好|麻烦|谢谢")


#: At most this many different Chinese characters besides fillers and politeness say next to nothing.
LITTLE_CJK = 3


def says_little(text: str) -> bool:
    """Whether a message says next to nothing once its fillers and politeness are gone ("嗯嗯好的那个啥", "请问那个知只",
    "发的发的发的分"): too little to send anywhere, so it is asked back rather than referred to the general hotline."""
    if WORD.search(URL.sub(" ", text)) or IP_MATTERS.search(text) or FOREIGN.search(text):
        return False
    return len(set(CJK.findall(FILLER.sub("", _POLITE.sub("", text))))) <= LITTLE_CJK
