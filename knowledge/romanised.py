"""Chinese typed in pinyin without its characters, put back into characters.

Some users type the sounds and never pick the characters: a phone whose input method is switched off, a keyboard
abroad ("haiwai zhishichanquan baoxian you naxie zhonglei", "meiguo TRO dongjie le wo de dianpu zenme ban"). The
classifier and the search read characters, so such a message was asked back, a frozen store included. Every author of
the evaluation sets wrote a few; they expect an answer, or an expert when it tells of a live dispute.

Each word of the message is cut into the dictionary's words by their toneless readings and written in the likeliest
of the words that sound so: one the knowledge's own files use first ("weiquan" is 维权 here, not 威权), then the more
common in jieba's dictionary. Words of ours typed in Latin letters anyway ("TRO", "Amazon", "337") stay as they are.
A message with any word that is no pinyin ("is this real") is English and is left alone.

Readings come from pypinyin, which ships its dictionary (nothing is downloaded).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Container, Mapping

from pypinyin import lazy_pinyin

from knowledge.cues import noise, scope
from knowledge.loader import shipped_text
from knowledge.text import dictionary_frequencies, dictionary_words

#: Words of jieba's dictionary at least this common (or of the domain's own dictionary) are what pinyin is read as:
#: rarer ones are mostly names and literary words that sound like common ones.
MIN_FREQUENCY = 20
#: The longest word looked up, in characters.
MAX_WORD = 6
#: A message is read as pinyin only when it has at least this many pinyin words, which give at least this many
#: characters: "ma" or "an" alone is no sentence.
MIN_WORDS = 2
MIN_CHARACTERS = 4
#: A message whose words are single syllables this often was typed a syllable at a time.
SYLLABLE_SHARE = 0.8

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_SYLLABLES = re.compile(f"(?:{noise.PINYIN_SYLLABLE})+")
_SYLLABLE = re.compile(noise.PINYIN_SYLLABLE)


class Romanised:
    """The words of a dictionary by their toneless readings, and the characters a message typed in pinyin means."""

    def __init__(self, frequencies: Mapping[str, int], domain_words: Container[str] = frozenset()) -> None:
        """`frequencies`: the dictionary's words and how common each is; `domain_words`: the knowledge's own words,
        preferred among those that sound alike."""
        by_sound: dict[str, list[str]] = defaultdict(list)
        for word, frequency in frequencies.items():
            if frequency >= MIN_FREQUENCY and len(word) <= MAX_WORD and _WORD.match(word):
                sound = "".join(lazy_pinyin(word))
                if _SYLLABLES.fullmatch(sound):  # not the interjections read "n" or "hm", which no one types
                    by_sound[sound].append(word)
        self._domain = domain_words
        self._words = {
            sound: max(words, key=lambda word: (word in domain_words, frequencies[word], word))
            for sound, words in by_sound.items()
        }
        self._longest = max((len(sound) for sound in self._words), default=0)

    def characters(self, text: str) -> str | None:
        """`text` written in characters, or None when it is not pinyin (it has characters, or a word that no reading
        spells, or too few pinyin words to be a sentence)."""
        if _CJK.search(text):
            return None
        # Runs of pinyin words between what stays as typed ("qing wen", "diao cha shi shen me" around "337"), each
        # spelt as one: the spaces a user types between syllables are not word breaks ("diao cha" is 调查).
        runs: list[list[str]] = [[]]
        kept: list[str] = []
        for token in _TOKEN.findall(text):
            if len(set(token.lower())) == 1 and len(token) > 1:
                return None  # a key held down ("aaa 337 aaa") is no word
            if token.isalpha() and not _ours(token):
                runs[-1].append(token.lower())
            else:
                kept.append(token)
                runs.append([])
        typed = [word for run in runs for word in run]
        if len(typed) < MIN_WORDS:
            return None
        # Typed a syllable at a time ("diao cha shi shen me"), a run is one stretch of sounds; typed a word at a time
        # ("baoxian you naxie"), its spaces are the word breaks, and crossing them finds wrong words ("报现有")
        by_syllable = sum(bool(_SYLLABLE.fullmatch(word)) for word in typed) >= SYLLABLE_SHARE * len(typed)
        pieces: list[str] = []
        for position, run in enumerate(runs):
            if run:
                written = self._spelt("".join(run)) if by_syllable else None
                if written is None:
                    spelt = [self._spelt(word) for word in run]
                    if any(word is None for word in spelt):
                        return None  # an English word: the message is English
                    written = "".join(word for word in spelt if word is not None)
                pieces.append(written)
            if position < len(kept):
                pieces.append(kept[position])
        if len(_CJK.findall("".join(pieces))) < MIN_CHARACTERS:
            return None
        return _joined(pieces)

    def _spelt(self, token: str) -> str | None:
        """A run of pinyin cut into the fewest dictionary words that spell it exactly, those of the knowledge first
        among equals ("baoxian" is 保险, not 报喜 and an interjection); None if no words do."""
        # best[i]: (-(words used), knowledge's words among them), the words, for the first i letters
        best: list[tuple[tuple[int, int], list[str]] | None] = [None] * (len(token) + 1)
        best[0] = ((0, 0), [])
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - self._longest), end):
                word = self._words.get(token[start:end])
                before = best[start]
                if word is None or before is None:
                    continue
                (fewer, ours), words = before
                candidate = ((fewer - 1, ours + (word in self._domain)), [*words, word])
                current = best[end]
                if current is None or candidate[0] > current[0]:
                    best[end] = candidate
        found = best[len(token)]
        return "".join(found[1]) if found is not None else None


def _ours(token: str) -> bool:
    """A word of this desk's matters typed in Latin letters ("TRO", "Amazon", "ITC"): kept as typed."""
    return bool(scope.IP_MATTERS.fullmatch(token) or scope.OVERSEAS.fullmatch(token) or token.isupper())


def _joined(pieces: list[str]) -> str:
    """The pieces with a space only where Latin letters or digits meet: Chinese is written without spaces."""
    text = ""
    for piece in pieces:
        if text and not (_CJK.match(piece[0]) and _CJK.match(text[-1])) and (piece.isalnum() or text[-1].isalnum()):
            text += " "
        text += piece
    return text


@lru_cache(maxsize=1)
def default() -> Romanised:
    """The readings of jieba's dictionary with the domain's words, preferring the words the knowledge files use."""
    domain_text = shipped_text()
    domain_words = {word for run in _CJK_RUN.findall(domain_text) for word in dictionary_words(run)}
    return Romanised(dictionary_frequencies(), domain_words)
