"""Whose matter a message is: this desk's (IP rights, disputes and their places abroad), inside China (other
offices), or a real sentence about something else (referred); and which of the policy's measures it names."""

from __future__ import annotations


from knowledge.cues.noise import FILLER, PINYIN, VOWEL, WORD, keyboard_run
from knowledge.cues.pasted import MARKUP, URL
from knowledge.cues.patterns import CJK, any_of


#: Matters inside China, which other offices handle (a domestic filing, a domestic infringement, a Chinese platform).
DOMESTIC = any_of(
    r"国内|境内|在中国|中国境内|本省|省内|淘宝|天猫|拼多多|京东|抖音|闲鱼|(?<!\d)1688(?!\d)|国家知识产权局|商标局",
    r"(?<![a-z])(in china|in mainland china|cnipa|china national intellectual property administration|tmall|taobao|"
    r"pinduoduo|jd\.com|our chinese (patent|trademark|trade mark)s?)(?![a-z])",
    r"(?<![a-z])(a|the) chinese (invention |utility model |design )?(patent|trademark|trade mark)s?(?![a-z])",
)


#: Words that put a question abroad whatever else it says ("只有国内注册的商标，亚马逊品牌备案能用吗").
OVERSEAS = any_of(
    r"海外|国外|境外|外国|出口|跨境|欧州|缺席判决|承认和执行|亚马逊|速卖通|美国|欧盟|欧洲|德国|日本|英国|337|ITC|USPTO|EUIPO|WIPO|马德里|"
    r"(?<![a-z])(amazon|ebay|walmart|temu|shein|tiktok|schedule a|tro|abroad|overseas|foreign|us|eu)(?![a-z])",
    r"拉斯维加斯|纽约|洛杉矶|芝加哥|汉诺威|柏林|法兰克福|杜塞尔多夫|科隆|慕尼黑|巴黎|米兰|伦敦|东京|迪拜|新加坡|"
    r"(?<![a-z])(ces|ifa|restraining order|injunction|court|lawyer|attorney|booth|customs|cease[- ]and[- ]desist|trade dress)(?![a-z])",
)


#: Words of this desk's matters: IP, disputes and their places. A message with none of them that is a real sentence
#: ("最近美元汇率怎么样", "Can you recommend a hotel?") is about something else and is referred, not asked back.
IP_MATTERS = any_of(
    r"知识产权|产权|专利|商标|版权|著作权|外观设计|侵权|侵犯|仿|假冒|山寨|盗版|抢注|337|ITC|TRO|禁令|诉讼|起诉|被告|原告|告了|"
    r"应诉|答辩|律师|法院|告我们|高函|告函|停止销售|停只销售|起素|告了我们|伊利诺伊|沃尔玛|速卖通|独立站|判决|官司|投诉|下架|冻结|冻了|解冻|海关|扣货|扣押|扣了|展会|参展|展位|保险|调解|仲裁|地理标志|维权|"
    r"纠纷|警告函|律师函|品牌|商业秘密|技术秘密|亚马逊|平台|店铺|专家|顾问|政策|实施意见|措施|指导|预警|智南针|"
    r"海外|国外|境外|外国|调查|实用新型|无效|驳回|审查意见|商表|伤标|砖利|专力|版全|侵全|注策|三三七",
    r"(?<![a-z])(walmart|temu|shein|shopee|tiktok|ebay|etsy|aliexpress|ip|ipr|patents?|trademarks?|copyrights?|infring\w*|lawsuits?|sued?|suing|court|injunctions?|customs|"
    r"seiz\w*|fairs?|exhibit\w*|complaints?|takedowns?|counterfeit\w*|brands?|designs?|tro|freez\w*|frozen|"
    r"lawyers?|attorneys?|litigation|dispute\w*|amazon|itc|337|expert|policy|insurance|mediation|arbitration|"
    r"abroad|overseas|judgm?ents?|vacate|default|respondents?|defendants?|plaintiffs?|discovery|settlement|"
    r"office action|uspto|euipo|wipo|pct|madrid|cease and desist|c&d|geo|exclusion order)(?![a-z])",
)


#: Pointing back at something unsaid ("那个事儿", "上回说的"): a question about this desk's matters, too vague to read.
POINTING_BACK = any_of(
    r"(那个|这个|那件|这件).{0,8}(事|情况)|这事|那事|上回|上次|之前说的|刚才说的|不知道(咋|怎么)说|说不(清|明白)"
)


#: Rights this desk handles, named: a live dispute over one of them is ours even when the classifier read the message
#: as out of scope (a seizure or a court alone may be a customs declaration or a debt).
IP_RIGHTS = any_of(
    r"知识产权|专利|商标|版权|著作权|外观设计|实用新型|商业秘密|侵权|侵犯|仿冒|假冒|抢注|337|ITC|TRO|禁令|地理标志|Schedule ?A",
    r"(?<![a-z])(patents?|trademarks?|copyrights?|infring\w*|counterfeit\w*|tro|injunctions?|utility models?|trade secrets?|trade dress)(?![a-z])",
)


#: Answering an examiner about an application ("USPTO发了一个office action…怎么回复"): the filing's own agent does that,
#: not this desk, which handles disputes.
PROSECUTION = any_of(r"审查意见|审查员|驳回|补正通知", r"(?<![a-z])(office actions?|examiner)(?![a-z])")


#: Asking the desk to write or translate something ("帮我写一份参展总结报告", "请把下面这段翻译成英文", "Can you translate
#: our patent claims into German?"): this desk writes and translates nothing, whatever the document is about, and says
#: so (the writing referral), after a refusal and a live dispute have had their say. Only the request's own form: "我们的
#: 专利翻译成英文要多少钱" asks about a cost, and "领导让我写一份材料…能不能说说" asks a question.
WRITING_REQUEST = any_of(
    # ... not what someone else wrote for or to the sender ("对方律师给我们写了一封警告函", "律师帮我们写了答辩状")
    r"(帮|替)(我|我们|忙)[^，。？?]{0,4}(写|起草|拟|润色|翻译|翻一下|翻意)(?![了过])",
    r"给(我|我们)(写|翻译|翻)(一|个|份|篇|封|首|段|下)",
    # a name made up ("帮我们起个好听的英文品牌名"); one made to look like another's is refused (refusals.HARMFUL)
    r"(帮|替)(我|我们|忙)[^，。？?]{0,2}(起|取)(个|一个)?[^，。？?]{0,8}(品牌名|店名|英文名|名字)",
    r"把[^，。？?]{0,40}(翻译|译|翻)(成|为)[^，。？?]{0,3}(英|德|法|西班牙|日|韩|俄|中|阿拉伯)(文|语)",
    r"(?<![a-z])((can|could|would) you (please )?(translate|write|draft)|please (translate|write|draft)|"
    r"^(translate|write|draft) |(write|draft) (me|us) |translate (this|the following|our|these|it)(?![a-z]))",
)


#: Countries, regions and cities abroad: a sentence naming one ("日本那边一般多久") may well be about this desk's
#: matters in words it does not know, and is asked back rather than referred.
FOREIGN = any_of(
    r"美国|欧盟|欧洲|欧州|德国|日本|英国|法国|意大利|西班牙|荷兰|韩国|巴西|印度|越南|泰国|马来西亚|印尼|新加坡|澳大利亚|澳洲|加拿大|墨西哥|"
    r"俄罗斯|土耳其|中东|东南亚|拉美|非洲|拉斯维加斯|纽约|汉诺威|柏林|法兰克福|杜塞尔多夫|巴黎|米兰|伦敦|东京|迪拜",
    r"(?<![a-z])(usa?|eu|europe|germany|japan|uk|britain|france|italy|korea|brazil|india|vietnam|canada|mexico)(?![a-z])",
)


#: Saying the matter is not one of IP ("是原产地证的问题，跟知识产权没关系"): whatever happened, another office handles it.
NOT_IP = any_of(
    r"(跟|和|与)(知识产权|IP)(没|没有|无)(什么|啥)?(关系|关)|(?<!是)(不是|不涉及|不属于)知识产权(的)?(问题|纠纷|事)",
    r"(?<![a-z])(not (an? )?(ip|intellectual property) (issue|matter|problem|dispute)|nothing to do with (ip|intellectual property))(?![a-z])",
)


#: An infringement claimed or a suit brought ("起诉侵犯实用新型", "律师函…侵犯我委托人注册商标专用权"): at home, a matter for
#: the offices that take infringement complaints, not for those that grant rights.
ACCUSED = any_of(
    r"侵权|侵犯|起诉|被告|被诉|传票|律师函|仿冒|假冒|山寨|抄袭|仿了",
    r"(?<![a-z])(infring\w*|sued|lawsuit|copied|counterfeit\w*|cease[- ]and[- ]desist)(?![a-z])",
)


#: A trade fair: its disputes are this desk's wherever the story says the boss is ("展会上…老板在国内").
AT_A_FAIR = any_of(r"展会|展台|展位|展馆|参展", r"(?<![a-z])(booth|trade (fair|show)|exhibition)(?![a-z])")


def off_topic(text: str) -> bool:
    """Whether the message is a real sentence that names none of this desk's matters and points back at nothing: at
    least four different Chinese characters besides fillers, or three English words that are not all pinyin ("nihao wo xiang wen"
    is Chinese typed without its characters, which the desk cannot read but may well be about its matters)."""
    if IP_MATTERS.search(text) or FOREIGN.search(text) or POINTING_BACK.search(text) or MARKUP.search(text):
        return False  # markup or data (JSON, a URL, base64) is not a sentence about something else
    words = [word for word in WORD.findall(URL.sub(" ", text)) if VOWEL.search(word) and not keyboard_run(word)]
    english = len(words) >= 3 and not all(PINYIN.fullmatch(word) for word in words)
    return len(set(CJK.findall(FILLER.sub("", text)))) >= 4 or english


def inside_china(text: str) -> bool:
    """Whether a question is about a matter inside China only: named as such and with nothing that puts it abroad."""
    return bool(DOMESTIC.search(text)) and not OVERSEAS.search(text)


def dispute_at_home(text: str) -> bool:
    """Whether a dispute told is one inside China ("被国内同行起诉…太原中院的传票已经到了", "我们的国内商标被人提了无效宣告，
    答辩期30天") or not one of IP at all: however live, another office handles it. A fair or a foreign place keeps it
    this desk's."""
    if NOT_IP.search(text):
        return True
    return inside_china(text) and not FOREIGN.search(text) and not AT_A_FAIR.search(text)


_NUMERALS = {numeral: value for value, numeral in enumerate("一二三四五六七八九", start=1)}


MEASURE = any_of(
    r"第\s*[（(]?\s*(?P<zh>[一二三四五六七八九十]{1,3}|\d{1,2})\s*[）)]?\s*(条|项)", r"measure\s+(?P<en>\d{1,2})\b"
)


#: What makes "第七条" the policy's measure rather than some other law's article ("USPTO的第八条宣誓").
POLICY_NAMED = any_of(r"实施意见|意见|政策|文件|措施|晋知产发|(?<![a-z])(measure|policy|opinions)(?![a-z])")


def measure_number(text: str) -> int | None:
    """The policy measure a message names ("实施意见第七条", "第（十一）条讲的啥", "measure 7"): the policy named, or
    a message short enough to be about nothing else; None otherwise."""
    match = MEASURE.search(text)
    if not match or not (POLICY_NAMED.search(text) or len(text.strip()) <= 12):
        return None
    written = match.group("zh") or match.group("en")
    if written.isdigit():
        return int(written)
    tens, _, ones = written.rpartition("十")
    if "十" not in written:
        return _NUMERALS.get(written)
    return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + _NUMERALS.get(ones, 0)
