"""Noise: a message with no word in it, one or two tokens said over and over, or keys hit at random around a word.
None is answered or referred by the word it happens to contain; each is asked back."""

from __future__ import annotations

import re

from knowledge.cues.pasted import URL
from knowledge.cues.patterns import CJK


VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)


#: Filler and question words, which make "嗯嗯那个啥" look like a sentence.
FILLER = re.compile(r"那个|这个|就是|什么|怎么|怎样|一下|[嗯啊呃哦噢唉哎呀吧呢吗嘛的了么啥咋]")


WORD = re.compile(r"[A-Za-z]{2,}")


PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|er|a|o|e|i|u|v)"
)


PINYIN = re.compile(f"(?:{PINYIN_SYLLABLE})+", re.IGNORECASE)


_TOKEN = re.compile(r"[A-Za-z]+|[\u4e00-\u9fff]|\d+")


#: A message that is one or two tokens said over and over ("TRO TRO TRO …", "test test test …") says nothing.
REPEATED_TOKENS = 6


#: … each said at least this many times ("人工人工人工" is someone asking three times for a person).
REPEATS = 4


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def repetitive(text: str) -> bool:
    """Whether the message is a token or two repeated many times: noise, however strongly its one word matches."""
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    distinct = len(set(tokens))
    return len(tokens) >= REPEATED_TOKENS and distinct <= 2 and len(tokens) >= REPEATS * distinct


def keyboard_run(word: str) -> bool:
    """Whether a word is a run of keys along one row of the keyboard ("asdf", "qwe", "uio")."""
    return any(word.lower() in row for row in _KEYBOARD_ROWS)


def wordless(text: str) -> bool:
    """Whether the message has no word in it: no Chinese character and no Latin word that is not a run along the
    keyboard ("//////", "zxcvbnm,./", "asdf")."""
    if CJK.search(text):
        return False
    words = [word.lower() for word in WORD.findall(text)]
    real = [w for w in words if VOWEL.search(w) and not keyboard_run(w) and len(set(w)) > 1]  # not "AAAAAAAA"
    return not real


#: Keys hit at random around a word or two ("dsfsdf 商标 sdf", "jkdsf 冻 jkl 店"): at most this many Chinese characters
#: besides fillers, among at least two runs of lower-case letters without a vowel or along one row of keys.
NOISE_CJK = 2


_NOISE_RUNS = 2


def noise_around(text: str) -> bool:
    """Whether the message is random keys around a word or two: the word alone says nothing anyone asked, so it is
    asked back rather than answered or referred by that word."""
    words = re.findall(r"[A-Za-z]+", URL.sub(" ", text))
    runs = [word for word in words if word.islower() and _random_keys(word)]
    if len(runs) < _NOISE_RUNS or len(runs) < len(words) or re.search(r"\d", text):
        return False  # a real word among them ("cease", "as", "CBP") or a number ("337") is something said
    return len(CJK.findall(FILLER.sub("", text))) <= NOISE_CJK


def _random_keys(word: str) -> bool:
    """Whether a lower-case run of letters is keys hit at random: no vowel, along one row, or two keys in turn."""
    return not VOWEL.search(word) or (len(word) >= 3 and keyboard_run(word)) or (len(word) >= 6 and len(set(word)) <= 2)


#: A few words that trail off ("海外的那", "专利 商标 那个 嗯", "知识产"): typed before the question was, or sent by
#: mistake. Every such message of the read sets (eleven, by eight authors) expects to be asked what is meant.
TRAILING_OFF = re.compile(r"^[^?？。!！]{0,10}(的那|那个|这个|那|嗯|呃|知识产)\s*$")


def trails_off(text: str) -> bool:
    """Whether a short message stops before it says anything (`TRAILING_OFF`)."""
    return bool(TRAILING_OFF.search(text.strip()))
