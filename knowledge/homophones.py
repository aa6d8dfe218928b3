"""Sound-alike typos, put right against the knowledge's own words before the search reads a question.

Chinese is typed by its sound, so the commonest typo is a character that sounds like the right one: "知识产全" for
知识产权, "参占" for 参展, "海管" for 海关, "反青销" for 反倾销. Character pairs (`knowledge.text.bigrams`) lose the
pair with the wrong character, and jieba cuts the phrase differently, so a plain question typed this way shares too
little with its item to be answered.

`Homophones` knows every character pair the items use. A character of the question is left as typed when it is in a
pair the items use or the dictionary knows ("生产全部": 全部 is a word, so 全 stays), in a longer word of the
dictionary ("优先级"), or is a particle or one of the commonest verbs. Any other may be swapped for a character with
the same reading, when that gives a pair with its neighbour that the items use at least `MIN_PAIR` times and the
dictionary knows as a word; the swap giving the most used pair goes first, and each character is swapped at most once
("申请政府资注" becomes 资助, and 资 stays). Over the development sets' 2,699 messages it changes 129, nearly all rightly.

Readings come from pypinyin, which ships its dictionary (nothing is downloaded); tones are ignored, as the input
method ignores them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Callable, Container, Iterable

from pypinyin import Style, pinyin

from knowledge.loader import shipped_text
from knowledge.text import dictionary_pairs, dictionary_words


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
#: A pair must occur this often in the items for a sound-alike to be taken for a typo of it: "太员" (for 太原, which the
#: items never write) is no word of theirs.
MIN_PAIR = 3
#: Particles, pronouns and the commonest verbs sound like many characters and say little of a topic: never changed,
#: never put in ("转人工" is no typo of 专人, nor "回复里" of 复利).
FUNCTION_CHARACTERS = frozenset(
    "的地得了着过是在有和与及我你他她它们这那个么吗呢吧啊呀嘛也都就还又要会能可把被给对从向之其或而没不上里该请转"
)


def readings(character: str) -> frozenset[str]:
    """A character's toneless readings, all of them (多音字 too): "长" → {"chang", "zhang"}."""
    return frozenset(pinyin(character, style=Style.NORMAL, heteronym=True)[0])


class Homophones:
    """The character pairs of a body of text, and the characters of it that sound alike."""

    def __init__(
        self,
        texts: Iterable[str],
        words: Container[str] = frozenset(),
        cut: Callable[[str], Iterable[str]] = lambda run: run,
    ) -> None:
        """`texts` are the items' words; `words` the dictionary's two-character words, which are typed as meant and the
        only pairs a typo is put right to; `cut` cuts a run of characters into the dictionary's words, whose longer
        ones are typed as meant too."""
        self._cut = cut
        self.pairs: dict[str, int] = defaultdict(int)
        for text in texts:
            for run in _CJK_RUN.findall(text):
                for i in range(len(run) - 1):
                    self.pairs[run[i : i + 2]] += 1
        self._words = words
        self._by_reading: dict[str, set[str]] = defaultdict(set)
        for character in {c for pair in self.pairs for c in pair}:
            for reading in readings(character):
                self._by_reading[reading].add(character)

    def _sounding_like(self, typed: str) -> set[str]:
        """The items' characters that share the typed character's common reading: the input method typed it by that
        one ("青" is qing, so 倾 may be meant, not 经 by its rare reading jing)."""
        common = pinyin(typed, style=Style.NORMAL)[0][0]
        return set(self._by_reading.get(common, ())) - {typed} - FUNCTION_CHARACTERS

    def correct(self, text: str) -> str:
        """The text with each sound-alike typo replaced by the character the items use (see the module docstring)."""
        return _CJK_RUN.sub(lambda match: self._correct_run(match.group(0)), text)

    def _typed_right(self, pair: str) -> bool:
        """A pair the items have, or a word of the dictionary ("太原", "全部"), was typed as meant."""
        return pair in self.pairs or pair in self._words

    def _correct_run(self, run: str) -> str:
        # Characters in a pair typed right are left alone; the rest may be swapped, the swap that gives the pair the
        # items use most first, each character at most once (so "申请政府资注" becomes 资助, and 资 stays 资).
        locked = {j for i in range(len(run) - 1) if self._typed_right(run[i : i + 2]) for j in (i, i + 1)}
        start = 0
        for word in self._cut(run):  # a longer word of the dictionary ("优先级", "一字不差") was typed as meant too
            if len(word) > 2:
                locked |= set(range(start, start + len(word)))
            start += len(word)
        # Each option: how often the items use the new pair, the position, the character put there, its partner.
        options: list[tuple[int, int, str, int]] = []
        for i in range(len(run) - 1):
            if self._typed_right(run[i : i + 2]):
                continue
            for position, partner in ((i, i + 1), (i + 1, i)):
                if position in locked or run[position] in FUNCTION_CHARACTERS or run[partner] in FUNCTION_CHARACTERS:
                    continue
                for candidate in self._sounding_like(run[position]):
                    pair = candidate + run[partner] if position < partner else run[partner] + candidate
                    if self.pairs.get(pair, 0) >= MIN_PAIR and pair in self._words:
                        options.append((self.pairs[pair], position, candidate, partner))
        fixed = list(run)
        for _, position, candidate, partner in sorted(options, key=lambda option: (-option[0], option[1], option[2])):
            if position in locked:
                continue
            fixed[position] = candidate
            locked |= {position, partner}
        return "".join(fixed)


@lru_cache(maxsize=1)
def default() -> Homophones:
    """Sound-alikes against the words of the knowledge files as shipped, for readers outside the search: the NLU's
    guard reads the signs of a live dispute in a typo ("点铺被东结了" is 店铺被冻结了) with it. The search keeps its own,
    built from the knowledge as staff last published it."""
    return Homophones([shipped_text()], dictionary_pairs(), dictionary_words)
