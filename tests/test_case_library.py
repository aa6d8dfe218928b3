"""The case library (measure 9) holds real, public cases with their record, spread over the disputes exporters
meet, and a question asking for an example is answered from a real case, not only from the illustrative ones.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
import yaml

from knowledge import KnowledgeBase, Language
from knowledge.answers import ILLUSTRATIVE, answer_text
from knowledge.items import Item
from knowledge.loader import CASES_FILE, DATA_DIR

ILLUSTRATIVE_IDS = {
    "case:illustrative-337-default",
    "case:illustrative-tro-store-frozen",
    "case:illustrative-fair-injunction",
    "case:illustrative-agent-squatting",
    "case:illustrative-eu-customs-detention",
}
#: What names a public record: an address, an ITC investigation, a docket or file number, an official act.
RECORD = re.compile(
    r"https?://\S+"
    r"|337-TA-\d+"
    r"|\bNo\. ?[\w:-]*\d"
    r"|\bAz\. \S+"
    r"|\b[CT]-\d+/\d+"
    r"|Regulation \(EU\) No \d+/\d+"
    r"|OJ L \d+"
)
DOCKET = re.compile(r"\bNo\. ?\d|\d:\d\d-cv-\d+|\d+ C \d+|\bCV \d+")


def real_cases(kb: KnowledgeBase) -> list[Item]:
    return [item for item in kb.items.values() if item.kind == "case" and not item.illustrative]


def tagged(cases: list[Item], entity: str, value: str) -> list[Item]:
    return [case for case in cases if value in case.tags.get(entity, ())]


def test_at_least_thirty_real_cases(kb: KnowledgeBase) -> None:
    assert len(real_cases(kb)) >= 30


@pytest.mark.parametrize("case_id", sorted(ILLUSTRATIVE_IDS))
def test_the_illustrative_examples_stay_marked(kb: KnowledgeBase, case_id: str) -> None:
    case = kb.get(case_id)
    assert case is not None and case.illustrative
    assert "非真实案件" in case.sources[0]
    assert answer_text(kb, case, "zh").startswith(ILLUSTRATIVE.zh)


def test_every_real_case_names_its_public_record(kb: KnowledgeBase) -> None:
    missing = [case.id for case in real_cases(kb) if not RECORD.search(" ".join(case.sources))]
    assert not missing, f"cases without a docket, investigation number, file number or address: {missing}"
    unaddressed = [case.id for case in real_cases(kb) if "http" not in " ".join(case.sources)]
    assert not unaddressed, f"cases whose record has no address: {unaddressed}"


def test_section_337_cases_give_their_investigation_number(kb: KnowledgeBase) -> None:
    cases = tagged(real_cases(kb), "dispute_type", "337调查")
    assert cases
    for case in cases:
        number = re.search(r"337-TA-\d+", case.sources[0])
        assert number, case.id
        assert number.group(0) in case.title.en, f"{case.id}: the title names another investigation"


def test_schedule_a_cases_give_court_and_docket(kb: KnowledgeBase) -> None:
    cases = [case for case in real_cases(kb) if case.id.startswith("case:schedule-a-")]
    assert len(cases) >= 5
    for case in cases:
        source = case.sources[0]
        assert DOCKET.search(source), f"{case.id}: no docket number in {source!r}"
        assert re.search(r"N\.D\. Ill\.|S\.D\.N\.Y\.|E\.D\. Tex\.|7th Cir\.|Fed\. Cir\.", source), case.id


def test_the_library_spreads_over_the_disputes_exporters_meet(kb: KnowledgeBase) -> None:
    cases = real_cases(kb)
    german_fairs = [c for c in tagged(cases, "dispute_type", "展会纠纷") if "德国" in c.tags["country"]]
    eu_customs = [c for c in tagged(cases, "dispute_type", "海关扣押") if "欧盟" in c.tags["country"]]
    spread = Counter(
        {
            "337": len(tagged(cases, "dispute_type", "337调查")),
            "schedule A": len([c for c in cases if c.id.startswith("case:schedule-a-")]),
            "German fairs": len(german_fairs),
            "EU customs": len(eu_customs),
            "squatting": len(
                [c for c in tagged(cases, "dispute_type", "商标抢注") if "地理标志" not in c.tags["ip_type"]]
            ),
            "GIs": len(tagged(cases, "ip_type", "地理标志")),
        }
    )
    minimum = {"337": 8, "schedule A": 5, "German fairs": 3, "EU customs": 2, "squatting": 5, "GIs": 3}
    short = {kind: (spread[kind], wanted) for kind, wanted in minimum.items() if spread[kind] < wanted}
    assert not short, f"too few cases (found, wanted): {short}"


def test_every_case_says_when_it_was_checked() -> None:
    """Read from the file itself, so it holds whether or not the loader keeps the date on the item."""
    raw = yaml.safe_load((DATA_DIR / CASES_FILE).read_text(encoding="utf-8"))
    undated = [entry["id"] for entry in raw if not isinstance(entry.get("checked"), datetime.date)]
    assert not undated, f"cases without a checked date: {undated}"


def test_agent_squatting_example_says_cancellation_or_assignment(kb: KnowledgeBase) -> None:
    """Paris Convention Art. 6septies: the owner may demand cancellation or, where the law allows, assignment."""
    case = kb.items["case:illustrative-agent-squatting"]
    assert "撤销并转回" not in case.details["outcome"].zh
    assert "二者择一" in case.details["outcome"].zh and "one or the other" in case.details["outcome"].en
    assert "6septies" in case.details["outcome"].en and "wipolex" in case.sources[0]


# (question, what the cited case's record must name)
EXAMPLE_QUESTIONS = [
    ("给我讲讲中国公司在美国337调查中当被申请人的例子", "337-TA-"),
    ("Any real 337 cases involving Chinese companies?", "337-TA-"),
    ("Schedule A批量诉讼里卖家打赢过的判例有吗", "No. "),
    ("山西老陈醋在欧盟受地理标志保护吗", "OJ L 408I"),
]


@pytest.mark.parametrize(("question", "record"), EXAMPLE_QUESTIONS)
def test_a_request_for_an_example_is_answered_from_a_real_case(kb: KnowledgeBase, question: str, record: str) -> None:
    hits = kb.search(question, intent="ask_typical_cases")
    assert hits, f"nothing found for {question!r}"
    best = hits[0].item
    assert best.kind == "case" and not best.illustrative, [(hit.item.id, hit.score) for hit in hits]
    assert record in best.sources[0]
    language: Language = "en" if question.isascii() else "zh"
    reply = answer_text(kb, best, language)
    assert not reply.startswith(ILLUSTRATIVE.get(language))
    assert record in reply, "the reply shows the case's public record"
