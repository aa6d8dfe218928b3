"""How a message asks: whether, how, what something is, or any question at all. Shared by the refusal, dispute
and form cues, which read a request differently when it is asked as a question."""

from __future__ import annotations

import re

from knowledge.cues.patterns import any_of


ASKS_WHETHER = any_of(
    r"要不要|能不能|可不可以|可以吗|行不行|还能|能.{0,10}吗|是否|会不会|算不算|违法吗|合法吗|有没有风险|"
    r"\b(can|may|should) (we|i)\b|\bis it (legal|allowed|ok)"
)


ASKS_HOW = any_of(r"怎么|如何|怎样|办法|方法|教我|帮我|招儿?|技巧|窍门|\bhow\b|\bhelp (me|us)\b|\bways? to\b")


#: Asking what something is ("德国展会上的临时禁令是怎么回事？"): a general question, unless the sender speaks of its own.
DEFINITION = any_of(r"是怎么回事|是什么意思|是什么|是啥|是个啥|啥意思|什么叫|指的是|\bwhat (is|are|does)\b")


#: What marks a message as a question: a form's answer that has it is a question asked meanwhile ("下一步呢").
QUESTION = re.compile(
    r"[?？]|吗|呢\s*$|怎么|如何|什么|怎样|咋|啥|多久|多少|为什么|哪些|哪个|哪里|哪儿|能不能|可不可以|是否|要不要|"
    r"会不会|有没有|下一步|然后呢|"
    r"\b(how|what|why|when|which|can|should|do|does|is|are)\b",
    re.IGNORECASE,
)


#: Asking to register a trade fair with the desk: without such a word, a message read as a registration asks about the
#: fair ("Any tips to avoid IP trouble at our booth?").
REGISTERING = any_of(
    r"登记|报名|报备|备案|报个到|申请.{0,8}服务|加入|参加.{0,8}服务",
    r"(?<![a-z])(register\w*|sign (us |me )?up|log|record|enrol\w*|join)(?![a-z])",
)
