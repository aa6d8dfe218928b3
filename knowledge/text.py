"""Language detection and tokenization shared by the knowledge search and the replies.

Chinese is cut with jieba (the same tokenizer the NLU pipeline uses, with the same domain dictionary, so that
"337调查" or "智南针网" stay whole words); English is lower-cased and lightly stemmed. Both kinds of token live in
one index, so a mixed question such as "Amazon店铺被TRO冻结" matches items in either language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, Mapping

import jieba

Language = Literal["zh", "en"]

USER_DICTIONARY = Path(__file__).parent / "data" / "jieba" / "userdict.txt"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")

# Function words that carry no topic. Kept short on purpose: BM25's IDF handles the rest.
_STOP_ZH = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嗯 么 是 在 有 和 与 及 或 就 都 也 还 又 要 会 能 可以 可 该 请 请问 问 问一下 一下 想 想问 "
    "我 我们 我司 咱们 你 你们 您 他 她 它 他们 这 那 这个 那个 哪些 什么 怎么 怎么办 怎样 如何 为什么 多少 哪里 吗 "
    "一个 一些 有没有 没有 不 没 给 对 把 被 让 从 到 向 跟 为 以 之 其 中 上 下 里 个 些 啥 嘛 呗 哈 谢谢 你好 "
    # chat fillers that ask for something without saying what: "讲个…", "说说", "聊聊", "来个"
    "讲 讲讲 讲个 说 说说 说个 聊 聊聊 来个 一下子 帮忙 帮我".split()
)
_STOP_EN = frozenset(
    "a an the and or of to in on at for with by from is are was were be been being do does did can could "
    "should would will shall may might must i we you he she it they our your my me us them this that these those "
    "what which who whom how why when where there here any some about into if as not no yes please hi hello "
    "have has had get got tell know want need".split()
)
#: Spoken fillers ("就是那个嗯 我们那个事儿咋样了"). The items' own texts hardly have them, but users' phrasings of a
#: question (knowledge.asked) do, and indexed with them they would look like the words of whichever items they were
#: asked of: `filler` keeps them out of those phrasings' terms. Pairs that are such a word ("~就是") or have a
#: particle or a pointing word in them ("~嗯那", "~是那", "~个事", "~期了") are fillers too.
_FILLER_WORDS = frozenset(
    "就是 就是说 然后 咋 咋样 咋整 咋办 咋弄 事儿 那边 这边 嗯嗯 呃 额 哎 诶 唉 俺 俺们 咱 一般 大概 还是 对了 好像 "
    "是不是 能不能 会不会 那种 这种".split()
)
_FILLER_CHARACTERS = frozenset("的了吗呢吧啊呀哦嗯么嘛呗哈咋啥俺个那这")
_PUNCTUATION = re.compile(r"^[\W_]+$")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
#: Pairs made only of function words ("我们", "怎么", "什么") say nothing about the topic.
_STOP_BIGRAMS = frozenset(word for word in _STOP_ZH if len(word) == 2)


def detect_language(text: str) -> Language:
    """Return "en" for a message written in English, else "zh".

    A message counts as English when it has Latin letters and its Chinese characters are too few to carry the
    question (fewer than a third of the letters): "What does measure 7 of the 实施意见 cover?" is English,
    "亚马逊TRO怎么办" is Chinese. Anything without letters (digits, emoji, empty) defaults to Chinese.
    """
    cjk = len(_CJK.findall(text))
    letters = len(_LATIN_LETTER.findall(text))
    if letters >= 2 and cjk * 3 < letters:
        return "en"
    return "zh"


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    """A private jieba instance with the domain dictionary, so nothing else's global jieba state leaks in."""
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USER_DICTIONARY))
    return tokenizer


@lru_cache(maxsize=1)
def dictionary_pairs() -> frozenset[str]:
    """The two-character words of jieba's dictionary and the domain's (not the prefixes jieba keeps beside them)."""
    return frozenset(word for word, count in _jieba().FREQ.items() if count > 0 and len(word) == 2)


def dictionary_frequencies() -> Mapping[str, int]:
    """jieba's dictionary with the domain's: each word and how common it is (0 for the prefixes jieba keeps)."""
    return _jieba().FREQ


def dictionary_words(run: str) -> list[str]:
    """A run of Chinese characters cut into the dictionary's words, without guessing new ones (a typo is no word)."""
    return list(_jieba().cut(run, HMM=False))


def _stem(word: str) -> str:
    """A deliberately crude English stemmer: enough to match 'patents' with 'patent', 'seized' with 'seize'."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters, marked with "~" so they never collide with words.

    They still match when jieba cuts a question and an answer differently, or a typo breaks one word of a
    phrase ("抢住商标" keeps "商标" and "住商" → only the sound-alike is lost).
    """
    pairs: list[str] = []
    for run in _CJK_RUN.findall(text):
        pairs += [f"~{run[i : i + 2]}" for i in range(len(run) - 1) if run[i : i + 2] not in _STOP_BIGRAMS]
    return pairs


def filler(term: str) -> bool:
    """Whether a search term (a word or a "~" pair, see `bigrams`) is a spoken filler that says nothing of a topic."""
    if term.startswith("~"):
        return term[1:] in _FILLER_WORDS or bool(_FILLER_CHARACTERS & set(term[1:]))
    return term in _FILLER_WORDS


def tokenize(text: str) -> list[str]:
    """Cut text into search tokens: jieba words for Chinese, stemmed words for Latin script, no stop words."""
    return list(_tokens(text))


#: Texts whose cuts are remembered. A new version of the knowledge (a staff edit, published to every action server)
#: repeats almost every text of the last one, so its indexes are built from remembered cuts in a fraction of the time.
REMEMBERED_TEXTS = 8192


@lru_cache(maxsize=REMEMBERED_TEXTS)
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for piece in _jieba().cut_for_search(text.lower()):
        piece = piece.strip()
        if not piece or _PUNCTUATION.match(piece):
            continue
        if _CJK.search(piece):
            if piece not in _STOP_ZH:
                tokens.append(piece)
            continue
        for word in _LATIN_WORD.findall(piece):
            if word not in _STOP_EN:
                tokens.append(_stem(word))
    return tuple(tokens)
