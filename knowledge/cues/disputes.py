"""The signs of a live dispute: a docket number, a deadline in days, a frozen sum, a document served, goods held,
an injunction at a fair now, told as the sender's own and not as a hypothetical, a definition or someone
else's case. A live dispute is escalated as urgent after the first steps."""

from __future__ import annotations

import re

from knowledge.cues import pasted
from knowledge.cues.asking import DEFINITION, QUESTION
from knowledge.cues.patterns import any_of


#: Signs that on their own mark a dispute that is happening now: a docket or investigation number, a deadline in days,
#: a sum frozen, a document received or served, goods held or an injunction at a fair now.
STRONG_URGENCY = {
    "case_number": any_of(
        r"\b\d{1,2}:\d{2}-?cv-?\d{2,6}\b",
        r"\b\d{2}-cv-\d{2,6}\b",
        r"337-TA-\d{2,4}",
        r"案号|案件编号|诉讼编号|立案号",
        r"\bdocket\b|case (no\.?|number|#)\s*\S*\d",
        r"Aktenzeichen|\bAz\.\s*\d",
        r"\b\d+\s*O\s*\d+/\d{2}\b",
    ),
    "deadline_days": any_of(
        # a weekday's limit on signing or answering ("美国那边律师说周一之前不签就撤回方案")
        r"(周|星期|礼拜)[一二三四五六日天](之前|以前|前)(不|没|要|必须|得)?.{0,4}(签|答复|回复|回应|提交|付款)",
        r"[\d一二三四五六七八九十两]+\s*(个)?(天|日|个工作日|工作日|周|个星期|个月)(内|之内|以内|后)?.{0,10}(答辩|回应|答复|应诉|截止|到期|出庭|听证|提交|回复|申诉|上诉|异议|反通知|就要|必须|说明|停止|付款|签)",
        r"(收到|接到).{0,40}[\d一二三四五六七八九十两]+\s*(天|日|个工作日)(内|之内|以内)",
        r"期限(是|为|到)?\s*(下周.|明天|后天|本周.|这周.|月底|\d+月\d+日|\d+号)",
        r"(答辩|回应|答复|应诉|截止|出庭|听证|期限).{0,10}(还剩|只剩|剩|就剩|只有)\s*\d+\s*(天|日|个工作日)",
        r"(还剩|只剩|剩下|就剩)\s*(不到)?\s*[\d一二三四五六七八九十两]+\s*(天|日|个工作日|周|个星期)",
        r"(下周|明天|后天|本周|这周|月底)[一二三四五六日天]?\s*(之前|以前|前)?\s*(就要|要|必须|得)?(交|提交|递交)?(答辩|出庭|听证|截止|回应|提交|答复|回复)",
        r"(今天|明天|后天|下周|本周|这周|月底)[一二三四五六日天]?\s*(就|便)?(到期|截止|开庭|是(最后)?期限|是截止日|是最后一天)",
        r"(给了|只给|限|要求)(我们)?\s*\d+\s*(天|日|days|个工作日|小时|hours)|\d+\s*(days|天|日)\s*(的)?.{0,10}(期限|deadline|petition|回复期)",
        r"within \d+ (business |working |calendar )?days|\d+ days (left|to (respond|answer|reply|file))|due (in|on|by) |"
        r"(our |the )?(answer|response|reply|brief|opposition)s? (is |are )?due (this |next |on |by )?"
        r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today)",
        r"(deadline|hearing|response) (is )?(on|next|this|tomorrow|in \d+)",
        # a time limit however it is said: "十天之内回话", "72小时内要交", "只给了十天", "限期7天", "deadline是本周五"
        r"[\d一二三四五六七八九十两]+\s*(个)?(天|日|个工作日|工作日|周|个星期|个礼拜|礼拜|小时|business days|days|hours)\s*(之内|以内|内)"
        r".{0,10}(回话|答便|答辨|答副|应速|表态|提交|提供|联系|交|respond|reply|answer|settle|下架|赔)",
        r"只给了?\s*[\d一二三四五六七八九十两]+\s*(个)?(天|日|个工作日|周|个星期|个礼拜)|(?<!宽)限期|"
        r"deadline\s*(是|为|:|：)\s*(今天|明天|后天|本周|这周|下周|周|星期|月底|\d+\s*(月|号|日|/))",
        r"(今天|明天|后天|下周|本周|这周|月底)[一二三四五六日天]?\s*(就)?(结束|截止)",
    ),
    "frozen_now": any_of(
        r"(店铺|账号|账户|店|资金|货款|回款|钱|listing|链接)(都|全)?(被|给)(冻结|冻住|冻|封|下架)了",
        r"(昨天|今天|前天|刚才|刚刚)(刚|才)?(刚)?被(冻结|冻住|冻|封|起诉|告|扣)",
        # a freeze that has lasted days is going on ("店铺被冻三天了")
        r"(店铺|账号|账户|店|资金|货款|回款|钱|listing|链接)(都|全)?(被|给)(冻结|冻住|冻|封)(了)?(快|都|已经)?"
        r"[一二两三四五六七八九十几\d]+(天|周|个星期|个月)",
        r"(our|my) (store|account|shop|funds|money|balance) (was|were|has been|have been|got|is|are) (just )?(frozen|suspended|restrained|locked)",
        r"(our|my) (\w+ )?(store|account|shop|listings?|funds?)[^.!?]{0,60}(taken down|frozen|held|suspended|restrained)",
        # typed as it sounds ("被冻洁了", "被东结了"), said by what it does ("钱都提不出来"), or in English words
        r"(店铺|账号|账户|店|资金|货款|回款|钱)(都|全)?(被|给)?(平台)?((东|动)(结|洁|接)|冻(洁|接|解))了|"
        r"钱(都|全|全部)?(提|取|拿)不出来|钱(都|全|全部)?(卡住|锁住|冻着)|回款全没了",
        r"被(?!告)[^。！？!?，,]{0,10}(freeze|suspend|take ?down|deactivate|restrict)(ed|d)?\s*了",
        r"(our|my) (\w+ )?(store|account|shop|listings?|funds?|payouts?|PayPal|ASINs?)[^.!?]{0,60}(deactivated|inactive|on hold)",
        # a platform's notice pasted as data ('{"event": "shop_suspended", … "funds_status": "on_hold"}')
        r"(shop|store|account)_(suspended|frozen|deactivated)|funds?_status\W{1,4}(on_hold|frozen|held)",
        # taken down on a complaint, told as the sender's own or as just happened ("我们的Amazon listing被人通过Brand
        # Registry投诉takedown了", "今天被人投诉侵权下架了")
        r"(我们|我司|我的|我家|咱家|\bour\b)[^。！？!?]{0,30}被(人)?[^。！？!?]{0,24}投诉[^。！？!?]{0,12}(下架|takedown|taken down)|"
        r"(今天|昨天|刚刚?)被[^。！？!?，,]{0,10}下架",
        # the sender's own listing taken down ("我的ASIN被Amazon下架了，理由是IP complaint"), or a freeze told by its day
        # ("今天刚冻的")
        r"(我们|我司|我的|我家|咱家)[^。！？!?]{0,20}(ASIN|listing|链接|产品|商品)[^。！？!?]{0,6}被[^。！？!?，,]{0,12}下架了|"
        r"(昨天|今天|前天|刚才|刚刚|这两天)(刚|才)(被)?(冻结|冻住|冻|封)(的|了)",
    ),
    "frozen_sum": any_of(
        r"(冻结|冻了|冻住|被冻|扣了|划走|冻).{0,16}([\$＄]\s?[\d,.]+|[\d,.]+\s*(万|千)?\s*(美元|美金|刀|元|欧元|英镑|USD|usd|dollars?))",
        r"(冻结|冻了|冻住|冻着|被冻|扣了|划走).{0,8}(十几|几十|几|[\d一二三四五六七八九十两]+)\s*(万|千)",
        r"(十几|几十|几|[\d一二三四五六七八九十两]+)\s*(万|千)[^。！？!?]{0,6}(冻结|冻了|冻住|冻着|被冻|被扣|扣着)",
        r"([\$＄]\s?[\d,.]+|[\d,.]+\s*(万|千)?\s*(美元|美金|刀|欧元|英镑|USD|dollars?)).{0,16}(冻结|冻了|冻住|被冻|frozen|restrained|held)",
        r"(frozen|restrained|held|locked).{0,20}\$\s?[\d,.]+",
        r"(funds?|balance|payments?|disbursements?)\s*(are |is )?(on hold|held|frozen|restrained)\s*[:：]?\s*(USD|US\$|\$|EUR|€|GBP|£)\s?[\d,.]+",
    ),
    "received": any_of(
        r"(收到|接到|刚收到|被送达|送达了)(了)?.{0,30}(337|ITC|调查通知|立案通知|起诉书|诉状|传票|禁令|TRO|临时限制令|法院.{0,4}(文件|邮件|通知|命令)|应诉通知|complaint|summons|notice)",
        r"(?<!没)(?<!没有)(?<!未)(?<!不)(?<!没被)(?<!未被)(?<!不被)(被列为|列为|列在|成了|成为).{0,8}(被申请人|被告|respondent|defendant)",
        r"(说|显示|写着|列明|指明)(我们|我司|我公司|我们公司)(是|为)(其中)?(一个|一家)?(被申请人|被告|respondent|defendant)",
        r"(我们|我司|我公司|我们公司)(就)?是(那个|那家)?被(调查|起诉|告|申请禁令)的(那家|一方|公司|企业)",
        r"(有人|对方|他们|原告|品牌方|一家[^。！？!?]{0,10}公司)(在[^。！？!?]{0,12})?(起诉|告)(了)?(我们|我司|我公司|我们公司)",
        r"(在|进了|上了|出现在)[^。！？!?]{0,6}(被申请人|被告|respondents?|defendants?)\s*(名单|list|列表)",
        r"(我们|我司|我公司|我们公司|我厂|我家|咱们)[^。！？!?；;，,]{0,20}被[^。！？!?；;，,]{0,14}(起诉|告|诉|TRO|申请禁令|申请了禁令)了",
        r"(通知|诉状|传票|起诉书|禁令|TRO|立案通知)(书)?(已经|上周|昨天|今天|刚|刚刚|前天|这周)?(到|送到|寄到|收到|送达|送打)(了|的)",
        # a judgment against the sender given ("default judgment已经下来了…我们当时没有应诉")
        r"(default judgment|缺席判决|判决|裁决)(书)?(已经|刚|都)?(下来|出来|下达|生效)了",
        r"(收到|接到)[^？?]{0,30}(Abmahnung|Unterlassungserkl)",
        # a letter pasted, then said to have come ("Subject: Abmahnung … 法务：这是今天收到的")
        r"(Abmahnung|Unterlassungserkl\w*|cease[- ]and[- ]desist|律师函|警告函)[\s\S]{0,400}(今天|昨天|刚刚?|前天|上周|这周)(才)?(收到|接到)的",
        r"(we|i)( have| had|'ve)? (just )?(been|were|got) (sued|served|named|hit with)|(we|i) (are|'re|am|'m) (now )?being (sued|served)|(received|got|were served( with)?) (a |an |the )?(complaint|summons|TRO|notice of investigation|court order|injunction|cease and desist)",
        r"served (us|me|our \w+)( with)? (a |an |the )?([\w-]+ )?(complaint|summons|TRO|injunction|notice|order|papers)",
        # the sender named, not sellers in general ("why are so many chinese sellers named as defendants")
        r"\b(we|i|us|our [\w ]{1,30}?)\b[\w' ]{0,20}\bnamed (as )?(a |one of the )?(respondents?|defendants?)|"
        r"named (us|me|our [\w ]{1,30}?) as (a |one of the )?(respondents?|defendants?)",
        r"(收到|接到|寄到|送到|寄来|发来)[^。！？!?]{0,30}(起(诉|述|速|素)(书|状)|(传|穿)票)|(起(诉|述|速|素)(书|状)|(传|穿)票)[^。！？!?]{0,8}(寄到|送到|到了)",
        r"\b(we|i|our [\w ]{1,30}?)\b(?![\w' ]{0,20}\bnot\b)[\w' ]{0,20}\bserved\b",
        r"\b(we|i)\s*(are|'re|am|'m)\s*(one of )?(the |a )?(respondents?|defendants?)\b",
    ),
    "fair_now": any_of(
        r"(展会|展台|展位|展馆|摊位|booth|stand|fair|show|messe|exhibiting).{0,40}(禁令|查抄|扣押|扣走|收走|拿走|带走|抄走|没收|警察|法警|执法人员|送达|被抄|raid|seiz|served|injunction)",
        r"(禁令|查抄|警察|法警|执法人员|bailiff|police).{0,20}(展会|展台|展位|展馆|摊位|booth|stand)",
        r"(展台|展位|摊位|booth|stand).{0,40}(restraining order|TRO|临时限制令|einstweilige)",
    ),
    "goods_held": any_of(
        r"(我们|我司|我的|我家)的?.{0,12}(货|货物|集装箱|柜子|产品|包裹).{0,12}(被|让)?(海关|CBP|customs)?.{0,6}(扣了|扣押|扣留|查扣|扣下|扣着|扣在|卡住|detained|seized)",
        r"(our|my) (goods|shipment|container|products|parcels?) (were|was|have been|got|are being) (detained|seized|held|stopped)",
        r"(货|货物|集装箱|柜子|样品|展品|产品)[^。！？!?，,]{0,14}(海关|海观|customs)[^。！？!?，,]{0,4}(被|叫|给)?"
        r"(扣了|扣住|扣下|扣押了|扣压了|扣留了|查扣了|查口了|封了|扣着)",
        r"海关(给|把)?(扣了|扣下|扣住|查扣了)(我们|俺们|我司|我的)|海关(给|把)(我们|俺们)的?(货|货物)?(扣|查扣)(了|下|住)",
        r"(customs|CBP)[^.!?]{0,40}(detained|seized|held|stopped) (our|my)",
    ),
}


#: Signs that mark a live dispute only when the message speaks of the enterprise's own situation.
WEAK_URGENCY = {
    "court": any_of(r"法院|法庭|联邦法院|地区法院|Landgericht|\bcourt\b|district of|tribunal"),
    "frozen": any_of(r"冻结|冻了|冻住|冻着|解冻|frozen|freez|restrain"),
    "seized": any_of(r"扣押|扣留|扣货|查扣|扣了|detain|seiz"),
    "injunction": any_of(r"禁令|TRO|临时限制令|injunction|einstweilige"),
}


FIRST_PERSON_NOW = any_of(
    r"我们|我司|我的|我家|我厂|咱们|咱家|本公司|我公司|俺们|我(?!想|要问|问)",
    r"\b(we|our|my|i)\b|(?-i:\b[uU]s\b)",  # "US" is the country, not "us"
)


#: Words that make a question general ("一般怎么处理", "if we were sued") rather than an account of what is happening.
HYPOTHETICAL = any_of(
    r"一般|通常|如果|假如|万一|要是|会不会|听说|新闻|报道|(同行|朋友|别人|别家|隔壁|邻居)[^，。！？!?我]{0,12}(被|让)(?!我)|会被[^，。！？!?]{0,8}(吗|么)|(起诉|告|投诉)(了)?(我们)?的时候|听.{1,6}说|有(人|同行|企业|朋友|公司|家)(在.{0,12})?被|真遇上|遇到.{0,4}怎么(办|应对)|怎么预防|如何避免|经常有人|明年|下个月(去|要去|参展)|打算去|准备去|计划去|"
    r"(什么|哪些|哪种|啥)(样的)?情况(下)?(会|才会|就会|可能)|什么时候会|"
    r"\bif\b|\bwould\b|in general|typically|usually|planning to|next (year|month)|under what circumstances"
)


#: Saying that nothing has happened to the sender: what follows is a question about preparing, not a live dispute, even
#: when it tells of someone else's frozen sum ("朋友被TRO了，冻了两万多刀……我们目前没出事").
#: Nothing has started, nothing has been sent ("现在还没开始", "也没发律师函啥的"): no dispute, and no request for a
#: person either, whatever the classifier hears in "我们只是想提前预算一下".
NOT_STARTED = any_of(
    r"(还|都|也|并)(没|没有)(开始|启动|开打)|(也|还|都|并)(没|没有)(发|寄|送)(过|来)?(什么|啥)?(律师函|警告函|函|传票|诉状)"
)


#: Told as not pressing: no time limit given, nothing served, no lawsuit, talks going on, nothing heard since, the store
#: and its money unaffected ("函里没写期限", "现在还在谈 没打官司", "店铺和资金目前都正常", "No lawsuit and no deadline yet",
#: "Your account remains in good standing"). A dispute told so is looked at with an expert when one is asked for, not
#: escalated as urgent, unless a docket number or a sum frozen says otherwise: two later authors wrote fourteen such
#: messages, none of them labelled urgent, nor any earlier author.
NOT_PRESSING = any_of(
    r"没(有)?(写|给|说|提|定)(明)?(任何)?(期限|deadline|时限|截止)|什么(正式)?(文件|通知)都没|没(收到|接到)(任何)?(正式)?(文件|通知|起诉|传票)|"
    r"没打官司|还在谈|(之后|后来)(对方)?(就)?(没了?|一直没有?)(任何)?(动静|消息|下文)|"
    r"(店铺|账户|账号)和?(资金)?(目前|现在)?(都)?(正常|没事|没受影响)|(账户|店铺|账号)(没|没有)(被)?冻|"
    r"没有法院的东西|没有法院(的)?(文件|通知)|(也)?没说(啥|什么)时候",
    r"(?<![a-z])(no (deadline|lawsuit|legal action)|without (a )?deadline|remains in good standing|"
    r"(store|account|shop|funds?) (is |are )?(still )?(fine|normal|unaffected))(?![a-z])",
)


NOTHING_YET = any_of(
    r"(目前|现在|暂时|还)(都)?(没|没有)(出事|事|问题|纠纷|被告|被投诉|被起诉|遇到)|没出事|(目前|现在|暂时)(还)?(没有|没)任何(纠纷|问题)",
    r"(防范|预防|提前(了解|准备|防)|未雨绸缪)",
    r"(?<![a-z])(nothing has happened|no dispute yet|not been sued|haven'?t been|haven'?t received|have not received|not yet received|before (we|it) (launch|start|go))(?![a-z])",
    r"(?<![a-z])no (fight|dispute|lawsuit|suit|case|complaint|claim|letter|action|trouble)s? (yet|so far)(?![a-z])|nothing (has )?(been )?(filed|served) (yet|so far)",
    r"(还|暂时|目前)(没|没有)(闹|打|吵)起来|(还|暂时|目前)没(跟|和)(谁|人|他们|对方)(闹|打|吵)",
    r"还没(有)?收到|一单都没|(没有|没)(人|谁)(来)?(告(?!诉)|起诉|投诉|找麻烦|找上门)",
    # a dispute over and done with ("后来找律师和解了…现在店铺恢复正常了", "案子已经结了"): every such story is a question
    r"(后来|最后|已经|早就|还是)[^，。！？]{0,8}和解了|恢复正常了|案子(已经)?结了|已经结案",
    # a list of defendants the sender is not on ("我们店铺不在上面，要不要担心？")
    r"(不在|没在|没有在)[^。，？?]{0,6}(名单|list|上面)",
    NOT_STARTED.pattern,
)


#: A question of one clause about no one in particular: "展会上被申请临时禁令怎么办", "337调查被列为被申请人了要不要应诉？".
#: Every such message in the development sets asks in general; a report of one's own says whose, or tells more
#: ("…店铺被冻洁了，说是TRO，钱全卡住了").
SHORT_GENERAL = 30


_CLAUSE_BREAK = re.compile(r"[，,。.！!；;：:\s]")


def asked_in_general(text: str) -> bool:
    """Whether the message is a short question of one clause that names no one in particular (SHORT_GENERAL)."""
    stripped = text.strip().rstrip("?？ ")
    return (
        0 < len(stripped) <= SHORT_GENERAL
        and not _CLAUSE_BREAK.search(stripped)
        and not FIRST_PERSON_NOW.search(stripped)
        and bool(QUESTION.search(text))
    )


#: The sender saying the matter just explained has happened to it too ("我们好像也遇到了" after what a TRO freeze is):
#: a live dispute's report, though it names nothing of ours.
ME_TOO = any_of(
    r"(我们|我|俺们|咱们|我司)(好像|可能|估计|也许|貌似)?(也|同样)(遇到|碰到|遇上|中招|摊上|被(告|冻|封|起诉|投诉|扣|查))",
    r"(?<![a-z])(happened to us( too)?|same (thing )?(here|with us|happened to us)|we(\'ve| have)? (got|been) (hit|caught) too)(?![a-z])",
)


#: The enterprise as the right holder, another copying it ("别人仿我们在Amazon上卖，能不能走APEX程序？"): a question
#: of enforcing its rights, not a dispute brought against it, unless the words carry the signs of one.
ENFORCING = any_of(
    r"(别人|有人|对方|竞争对手|同行|人家|外国人|老外)(在.{1,12})?(仿|抄|侵犯|盗用|山寨|冒用|用)(了)?(我们|俺们|咱们|咱|我)",
    r"(?<![a-z])(someone|others|competitors?|a competitor) (is |are |has |have )?(copying|copied|infringing|infringed|using) (our|my)(?![a-z])",
)


#: A message that ends by asking what something is ("…就用两三句话简单说说TRO是什么"): a report that quotes what it was
#: told ("说是什么天尼TRO，钱都提不出来") asks something else at its end.
ENDS_ASKING_WHAT = re.compile(f"(?:{DEFINITION.pattern})" + r"[\s?？。.!！~～]*$", re.IGNORECASE)


#: Asking about a case as an example, not reporting one's own.
CASE_STUDY = any_of(
    r"案例|讲讲|介绍一下|说说|什么结果|结果(如何|怎样|是什么)|判(了|决)(什么|结果)|(?<![\w@.-])example(?![\w.-])|case study|what happened in|tell me about"
)


#: Words that tell of something that happened or is happening: an injunction at a fair is the sender's own only with
#: them ("展会上被下了禁令", "a bailiff just served us"); "展会上的临时禁令怎么应对" asks in general.
HAPPENED = any_of(
    r"被|了|收到|接到|送来|来了|正在|刚刚?|今天|昨天|现在|马上|人还在|"
    r"(?<![a-z])(just|now|today|yesterday|were|was|got|have been|has been|are being|is being)(?![a-z])"
)


#: Strong signs that stand on their own, even in a question: a docket number, a sum frozen.
ALONE = frozenset({"case_number", "frozen_sum"})
#: Signs that a short question about no one in particular (`asked_in_general`) names as what it asks about.
GENERAL_AS_ASKED = frozenset({"fair_now", "received"})


#: Where one sentence of a message ends: a story's facts and its question ("…听说这个程序很快，该先做什么？", "… funds
#: held. … if we pay within 5 days. Should we pay?") are read apart, so that the question's "听说", "一般" or "if" does
#: not make the facts hypothetical.
SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.\s+")


#: Voice input leaves the punctuation out, so a space after a Chinese word ends a clause: "说是我们公司被告了 ……
#: 要是真的咋办啊" tells its facts before it asks. A hypothetical clause governs the ones after it ("如果 我们被起诉了 怎么办").
CLAUSE_END = re.compile(r"(?<=[\u4e00-\u9fff])\s+")


#: Asking what would follow ("被列为337被申请人但不应诉，会怎样？", "那不应诉会怎样"): about no one in particular, a question
#: of consequences, not a report (every such message of the development sets; with "我们" it is the sender's own).
CONSEQUENCES = any_of(
    r"会怎样|会怎么样|会如何|(有|会有)(什么|哪些)后果|后果(是什么|如何|严重吗)",
    r"what happens if|what are the consequences",
)


def urgency(text: str) -> list[str]:
    """The signs of a live dispute the message carries.

    A docket number or a frozen sum marks one on its own. A deadline in days, a document received, goods held or an
    injunction at a fair mark one when said in a sentence that is not hypothetical ("如果被列为被申请人…" is a
    question about what happens); weak signs (a court, a freeze, a seizure, an injunction) need two of them, said in
    such sentences, with the enterprise speaking of its own case."""
    if CASE_STUDY.search(text) and not FIRST_PERSON_NOW.search(text):
        return []  # a question about someone else's case ("讲讲337-TA-1003那个案子"), answered from the case library
    if NOTHING_YET.search(text) and not STRONG_URGENCY["case_number"].search(text):
        return []  # "我们目前没出事，想知道怎么预防": preparing, not a dispute
    if CONSEQUENCES.search(text) and not FIRST_PERSON_NOW.search(text):
        return []  # "被列为337被申请人但不应诉，会怎样？": what would happen to anyone
    factual = " 。".join(_facts(text))
    found = [
        name
        for name, pattern in STRONG_URGENCY.items()
        if pattern.search(text if name in ALONE else factual) and (name != "fair_now" or HAPPENED.search(factual))
    ]
    if letter_to_the_sender(text):
        found.append(LETTER_SIGN)
    if found and asked_in_general(text):
        # "展会上被发禁令怎么办", "收到美国法院的传票怎么办？": one short clause about no one in particular asks in general
        # (the follow-ups their authors wrote after them are general questions too). A freeze or goods held keep their
        # sign, as Chinese drops the subject ("店铺被冻结了怎么办"), and so does a deadline told ("…明天就要答复")
        found = [name for name in found if name not in GENERAL_AS_ASKED]
    calm = NOT_PRESSING.search(text) is not None
    if calm:
        found = [
            name for name in found if name in ALONE
        ]  # a letter or a takedown told with "没写期限", "店铺和资金都正常"
    if found:
        return found
    own = FIRST_PERSON_NOW.search(factual)
    weak = [name for name, pattern in WEAK_URGENCY.items() if pattern.search(factual)]
    return weak if own and len(weak) >= 2 and not calm else []


#: A pasted letter or notice, whose heading or salutation opens a line near the top (`pasted.LETTER_HEADING`), …
#: claiming a right: an infringement, an opposition, listings removed.
LETTER_CLAIM = any_of(r"infring|opposition|violat|removed|taken down|deactivat|侵害|侵权|异议|verletzung")
#: … addressed to the reader ("your listings", "貴社", "Sie"), or said by the sender to be their own ("这是我们在欧盟申请的
#: 商标，被人异议了").
LETTER_ADDRESSED = any_of(
    r"\byour\b|\byou\b|貴社|贵司|贵公司|\bIhr(e|en)?\b|\bSie\b",
    r"(我们|我司)[^。！？!?]{0,16}被(人)?(异议|投诉|告)",
)
#: How far from the top the opening may be.
LETTER_TOP = 300
#: The sign such a letter gives, among the names of STRONG_URGENCY's: the guard lets it overrule an out-of-scope reading.
LETTER_SIGN = "letter"


def letter_to_the_sender(text: str) -> bool:
    """Whether the message is a letter or notice pasted whole (more than one line, opening near the top) that claims a
    right against its reader: every such message of the development sets, from a lawyer's demand to a marketplace's
    takedown notice and an opposition at the EUIPO, is a live dispute, whatever is asked under it."""
    return (
        "\n" in text.strip()
        and bool(pasted.LETTER_HEADING.search(text[:LETTER_TOP]))
        and bool(LETTER_CLAIM.search(text))
        and bool(LETTER_ADDRESSED.search(text))
    )


def _facts(text: str) -> list[str]:
    """The sentences and clauses of a message that tell what is happening, not what would happen."""
    facts = []
    for sentence in SENTENCE_END.split(text):
        for clause in CLAUSE_END.split(sentence):
            if HYPOTHETICAL.search(clause):
                break
            if clause.strip() and not _defines(clause):
                facts.append(clause)
    return facts


def _defines(clause: str) -> bool:
    """Whether a clause asks what something is rather than tells what is happening to the sender."""
    return bool(DEFINITION.search(clause) and not FIRST_PERSON_NOW.search(clause))


#: Asking what something is or whether it is so, which a live dispute's report does not: "实用新型和外观设计的区别",
#: "这是真的吗", "What's the difference between a utility patent and a design patent in the US?".
GENERAL_QUESTION = any_of(
    r"区别|有什么不同|有何不同|是真的吗|是不是真的|有义务吗|有没有义务|这句话.{0,4}意思|(是个|是|指)?(啥|什么)意思",
    r"difference between|what'?s the difference|is (it|this|that) true|how (does|do) .{0,80} work\b|"
    r"how (can|do|could) (we|i|you|companies|a company) (find out|check|tell|know) (whether|if)",
)


def hypothetical(text: str) -> bool:
    """Whether the message asks what happens in general ("如果…", "一般…", what would follow for no one in particular,
    or a short question about no one in particular, `asked_in_general`), in a case that has not happened ("我们还没出事"), what something is ("区别", "是真的吗"),
    or how to enforce the enterprise's own rights (`ENFORCING`): none is a live dispute's report."""
    return bool(
        HYPOTHETICAL.search(text)
        or (CONSEQUENCES.search(text) and not FIRST_PERSON_NOW.search(text))
        or NOTHING_YET.search(text)
        or GENERAL_QUESTION.search(text)
        or asked_in_general(text)
        or ENFORCING.search(text)
    )
