"""The search answers questions users ask from the right measure, and finds nothing for foreign topics.

The best item may be a measure itself or a FAQ entry resting on it; either way the answer cites the measure.
"""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase, KnowledgeError
from knowledge.asked import load_asked
from knowledge.base import UNSEARCHED
from knowledge.search import Searcher
from knowledge.text import detect_language, tokenize


def cited(hit) -> set[str]:
    """What an answer from this hit cites: the item and the measures it rests on."""
    return {hit.item.id, *hit.item.policy}


# (question, the intent the NLU gives it, the measure the answer must cite)
KNOWN = [
    ("有哪些海外知识产权保险", "ask_insurance", "policy:7"),
    ("企业能不能设立海外维权互助基金", "ask_insurance", "policy:7"),
    ("Is there insurance that covers IP lawsuits abroad?", "ask_insurance", "policy:7"),
    ("智南针网能查到什么", "ask_info_platform", "policy:8"),
    ("山西有没有海外知识产权纠纷应对指导分中心", "ask_guidance_center", "policy:3"),
    ("专家库里的专家是怎么选的", "ask_expert_program", "policy:4"),
    ("海外纠纷能不能走调解或者仲裁", "ask_mediation_arbitration", "policy:6"),
    ("哪里能看到典型案例", "ask_typical_cases", "policy:9"),
    ("有没有海外知识产权专题培训", "ask_training", "policy:10"),
    ("服务热线打多少", "ask_hotline", "policy:11"),
    ("出国参展前有没有培训和风险排查", "ask_exhibition", "policy:5"),
    ("这个实施意见是哪几个部门发的", "ask_policy_overview", None),
]


@pytest.mark.parametrize(("question", "intent", "expected"), KNOWN)
def test_known_questions_rank_their_measure_first(
    kb: KnowledgeBase, question: str, intent: str, expected: str | None
) -> None:
    hits = kb.search(question, intent=intent)
    assert hits, f"nothing found for {question!r}"
    if expected is not None:
        assert expected in cited(hits[0]), [(h.item.id, h.score) for h in hits]
    else:
        assert intent in hits[0].item.intents


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("海外维权的保险有哪些险种", "policy:7"),
        ("智南针网", "policy:8"),
        ("仲裁 调解 公证", "policy:6"),
    ],
)
def test_text_alone_finds_the_measure(kb: KnowledgeBase, question: str, expected: str) -> None:
    """Without any NLU help, plain words of the measure still find it."""
    assert expected in cited(kb.search(question)[0])


def test_the_premium_of_ip_insurance_is_told_where_buying_it_is(kb: KnowledgeBase) -> None:
    """Users ask what a policy costs a year; the item on buying it says how premiums are set."""
    best = kb.search("知识产权保险的保费一年大概多少钱")[0].item
    assert best.id == "faq:insurance-buy-claim" and "保费" in best.answer.zh


@pytest.mark.parametrize("question", ["明天太原天气怎么样", "讲个笑话", "asdfghjkl", ""])
def test_foreign_topics_find_nothing(kb: KnowledgeBase, question: str) -> None:
    assert kb.search(question) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("有哪些海外知识产权保险", "zh"),
        ("亚马逊TRO冻结了怎么办", "zh"),
        ("What insurance is there?", "en"),
        ("What does 智南针 offer for exporters?", "en"),
        ("337", "zh"),
        ("", "zh"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_tokens_keep_domain_terms_whole() -> None:
    assert "337调查" in tokenize("ITC的337调查怎么应诉")
    assert "智南针网" in tokenize("智南针网上有什么")
    assert "patent" in tokenize("Patents and trademarks")


# --- questions users asked (knowledge/asked.py)


@pytest.fixture(scope="module")
def searched(kb: KnowledgeBase) -> list:
    return [item for item in kb.items.values() if item.kind not in UNSEARCHED]


def test_a_question_users_asked_of_an_item_finds_it_in_their_words(searched) -> None:
    question = "店被美国法院封了钱怎么取出来"
    assert Searcher(searched).search(question)[0].item.id != "faq:tro-unfreeze"
    asked = {"faq:tro-unfreeze": ("俺们的店被美国法院封了钱咋取出来",), "faq:gone": ("一个已删掉的条目",)}
    assert Searcher(searched, asked).search(question)[0].item.id == "faq:tro-unfreeze"


def test_the_spoken_fillers_of_a_question_asked_find_nothing(searched) -> None:
    """ "就是那个事儿咋样了" says nothing of a topic: that someone once said it around a question about enforcing a US
    judgment must not make that item the answer to the next vague message."""
    asked = {"faq:us-judgment-in-china": ("就是那个事儿 咋样了 嗯嗯 美国判决在国内能执行吗",)}
    assert Searcher(searched, asked).search("就是那个事儿 上回说的那个 咋样了") == []


def test_the_questions_asked_file_is_read_and_a_malformed_one_is_refused(tmp_path) -> None:
    assert load_asked(tmp_path / "missing.yml") == {}
    good = tmp_path / "asked.yml"
    good.write_text("faq:337-timeline:\n- 337掉查多久能完\n", encoding="utf-8")
    assert load_asked(good) == {"faq:337-timeline": ("337掉查多久能完",)}
    bad = tmp_path / "bad.yml"
    bad.write_text("faq:337-timeline: 337掉查多久能完\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"bad\.yml:1: expected item id"):
        load_asked(bad)
    assert load_asked()  # the repository's own file is there and well formed


def test_asking_for_an_example_finds_a_case_though_the_nlu_is_sure_of_the_topic(kb: KnowledgeBase) -> None:
    """A sure topic reading leaves little to the case intent; the question's own words still ask for a case."""
    sure_of_customs = {"ask_customs_seizure": 0.9, "ask_typical_cases": 0.05}
    asked = kb.search("有没有中国企业的货在欧盟海关因为外观设计被扣的案例？", intent=sure_of_customs)
    assert asked[0].item.kind == "case", [hit.item.id for hit in asked]
    what_to_do = kb.search("欧盟海关因为外观设计扣了我们的货怎么办", intent=sure_of_customs)
    assert what_to_do[0].item.kind != "case", [hit.item.id for hit in what_to_do]
