"""Chinese typed by its sounds, written back in characters (knowledge/romanised.py) before anything reads it."""

from __future__ import annotations

import pytest

from knowledge.romanised import Romanised, default
from nlu.typed import read


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("haiwai zhishichanquan baoxian you naxie zhonglei", "海外知识产权保险有那些种类"),
        ("meiguo TRO dongjie le wo de dianpu zenme ban", "美国 TRO 冻结了我的店铺怎么办"),
        ("haiwai weiquan you butie ma", "海外维权有补贴吗"),  # 维权, the knowledge's word, not the commoner 威权
        ("qing wen 337 diao cha shi shen me", "请问 337 调查是什么"),  # a syllable at a time: the spaces break no word
        ("women de shangbiao zai riben bei qiangzhu le", "我们的商标在日本被抢注了"),
    ],
)
def test_pinyin_without_characters_is_written_in_the_characters_meant(typed: str, meant: str) -> None:
    assert default().characters(typed) == meant
    assert read(typed) == meant  # and that is what the classifier reads


@pytest.mark.parametrize(
    "typed", ["is this real", "how long does it take", "long time no see", "nihao", "ma an", "美国337调查是什么"]
)
def test_english_a_lone_word_and_characters_are_left_as_typed(typed: str) -> None:
    assert default().characters(typed) is None
    assert read(typed) == typed


def test_among_words_that_sound_alike_the_knowledge_s_own_comes_first() -> None:
    frequencies = {"威权": 82, "维权": 50, "海外": 5000}
    assert Romanised(frequencies).characters("haiwai weiquan") == "海外威权"
    assert Romanised(frequencies, {"维权"}).characters("haiwai weiquan") == "海外维权"
