"""The knowledge files load, say precisely what is wrong when they are broken, and keep faith with the policy."""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase, KnowledgeError, LiveKnowledge
from knowledge.__main__ import main as knowledge_command
from knowledge.answers import answer_text
from knowledge.loader import DATA_DIR

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_38ebdc0ddd6a51e8.txt"


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    """A copy of the real knowledge files that a test may break."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_fifteen_measures_load_in_order(kb: KnowledgeBase) -> None:
    ids = [item.id for item in kb.items.values() if item.kind == "policy"]
    assert ids == [f"policy:{n}" for n in range(1, 16)]
    assert kb.policy.number == "晋知产发〔2022〕23号"


def test_every_measure_is_bilingual_and_quotes_the_seed_verbatim(kb: KnowledgeBase) -> None:
    if not SEED.exists():
        pytest.skip(f"the policy seed is not beside the checkout ({SEED})")
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    for item in kb.items.values():
        if item.kind != "policy":
            continue
        assert re.sub(r"\s+", "", item.text.zh) in seed, f"{item.id} text.zh is not verbatim from the policy"
        for field in (item.title, item.text, item.answer):
            assert field.zh and field.en, item.id
        assert not re.search(r"[\u4e00-\u9fff]", item.answer.en), f"{item.id} English answer contains Chinese"


def test_item_intents_exist_in_the_domain(kb: KnowledgeBase) -> None:
    domain = yaml.safe_load((DATA_DIR.parent.parent / "domain.yml").read_text(encoding="utf-8"))
    for item in kb.items.values():
        assert set(item.intents) <= set(domain["intents"]), item.id


def test_missing_field_is_reported_with_file_line_and_item(data_dir: Path) -> None:
    policy = data_dir / "policy.yml"
    lines = policy.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- id: policy:7")
    title_en = next(
        i for i in range(start, len(lines)) if lines[i].strip().startswith("en:") and "title" in lines[i - 2]
    )
    del lines[title_en]
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(data_dir)
    message = str(caught.value)
    assert "policy.yml:" in message and "policy:7: title.en is missing" in message


def test_yaml_syntax_error_names_the_line(data_dir: Path) -> None:
    policy = data_dir / "policy.yml"
    _rewrite(policy, "  - id: policy:3\n", "  - id: policy:3\n   bad: [unclosed\n")
    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(data_dir)
    problem = caught.value.problems[0]
    expected_line = policy.read_text(encoding="utf-8").splitlines().index("   bad: [unclosed") + 1
    assert problem.file.endswith("policy.yml")
    assert abs(problem.line - expected_line) <= 2
    assert "YAML syntax error" in problem.message


def test_measures_out_of_order_and_unknown_tags_are_refused(data_dir: Path) -> None:
    policy = data_dir / "policy.yml"
    _rewrite(policy, "- id: policy:5\n", "- id: policy:50\n")
    _rewrite(
        policy, "    intents: [ask_insurance]\n", "    intents: [ask_insurance]\n    tags:\n      country: [火星]\n"
    )
    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(data_dir)
    messages = [problem.message for problem in caught.value.problems]
    assert any("id is policy:50, expected policy:5" in m for m in messages)
    assert any("'火星' is not a value in vocabulary.yml" in m for m in messages)


def test_an_overlong_answer_is_refused(data_dir: Path) -> None:
    policy = data_dir / "policy.yml"
    kb = KnowledgeBase.load(data_dir)
    answer = kb.get("policy:7").answer.zh  # type: ignore[union-attr]
    _rewrite(policy, answer, answer + "很长" * 200)
    with pytest.raises(KnowledgeError, match=r"policy:7: answer\.zh has \d+ characters, more than 300"):
        KnowledgeBase.load(data_dir)


def test_not_utf8_is_refused_clearly(data_dir: Path) -> None:
    (data_dir / "referrals.yml").write_bytes("default: 税务".encode("gb18030"))
    with pytest.raises(KnowledgeError, match=r"referrals\.yml:1: not UTF-8"):
        KnowledgeBase.load(data_dir)


def test_a_broken_edit_keeps_the_last_good_knowledge(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    live = LiveKnowledge(data_dir)
    good = live.get()
    _rewrite(data_dir / "policy.yml", "- id: policy:2\n", "- id: policy:two\n")
    assert live.get() is good
    assert "keeping the last good knowledge" in caplog.text and "policy:two" in caplog.text


def test_a_good_edit_is_picked_up_without_restart(data_dir: Path) -> None:
    live = LiveKnowledge(data_dir)
    assert "互助基金" in live.get().get("policy:7").keywords_zh  # type: ignore[union-attr]
    _rewrite(data_dir / "policy.yml", "展会法律费用险, 互助基金,", "展会法律费用险, 维权互助基金专项,")
    assert "维权互助基金专项" in live.get().get("policy:7").keywords_zh  # type: ignore[union-attr]


def test_vocabulary_conflicts_are_refused(data_dir: Path) -> None:
    _rewrite(data_dir / "vocabulary.yml", "forms: [德國, 德方,", "forms: [德國, 老美, 德方,")
    with pytest.raises(KnowledgeError, match="'老美' is a form of both 美国 and 德国"):
        KnowledgeBase.load(data_dir)


@dataclasses.dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def _check_command(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """`python -m knowledge check ARGS` as staff run it from the repository (in this process: the same entry point)."""
    capsys.readouterr()
    cwd = os.getcwd()
    os.chdir(DATA_DIR.parent.parent)
    try:
        code = knowledge_command(["check", *args])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


def test_the_staff_command_refuses_a_broken_file_with_file_line_and_reason(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rewrite(data_dir / "cases.yml", "  illustrative: true\n", "  illustrative: maybe\n")
    result = _check_command(capsys, "--data", str(data_dir))
    assert result.returncode == 1
    assert "cases.yml:" in result.stderr and "illustrative must be true or false" in result.stderr


def test_the_staff_command_refuses_an_intent_the_bot_does_not_have(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rewrite(data_dir / "policy.yml", "    intents: [ask_insurance]\n", "    intents: [ask_insurence]\n")
    result = _check_command(capsys, "--data", str(data_dir), "--domain", "domain.yml")
    assert result.returncode == 1 and "policy:7: ask_insurence" in result.stderr
    assert _check_command(capsys, "--domain", "domain.yml").returncode == 0


def test_every_item_says_when_its_facts_were_checked(kb: KnowledgeBase) -> None:
    today = datetime.date.today()
    for item in kb.items.values():
        assert isinstance(item.checked, datetime.date) and item.checked <= today, f"{item.id} has no checked date"
        assert re.search(r"\.yml:\d+$", item.origin), item.id


def test_the_checked_date_is_shown_with_the_sources(kb: KnowledgeBase) -> None:
    for item_id in ("faq:337-timeline", "policy:7", "checklist:germany"):
        item = kb.items[item_id]
        assert item.checked is not None
        day = item.checked.isoformat()
        assert f"（核实于{day}）" in answer_text(kb, item, "zh").split("来源：")[1], item_id
        assert f"(checked {day})" in answer_text(kb, item, "en").split("Source")[1], item_id


@pytest.mark.parametrize(
    "written, reason",
    [
        (None, "checked is missing"),
        ("2026-13-01", "'2026-13-01' is not a date"),
        ("soon", "'soon' is not a date"),
        ("2999-01-01", "2999-01-01 is in the future"),
    ],
)
def test_a_missing_invalid_or_future_checked_date_is_reported_with_file_and_line(
    data_dir: Path, written: str | None, reason: str
) -> None:
    faq = data_dir / "faq" / "us_disputes.yml"
    line = faq.read_text(encoding="utf-8").splitlines().index("- id: faq:337-timeline") + 1
    _rewrite(
        faq,
        "- id: faq:337-timeline\n  checked: 2026-12-05\n",
        "- id: faq:337-timeline\n" + (f"  checked: {written}\n" if written else ""),
    )
    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(data_dir)
    found = [problem for problem in caught.value.problems if "faq:337-timeline" in problem.message]
    assert len(found) == 1 and reason in found[0].message, found
    assert (found[0].file, found[0].line) == (str(faq), line)


def test_every_referral_says_what_this_desk_does_and_where_to_go_instead(kb: KnowledgeBase) -> None:
    referrals = [item for item in kb.items.values() if item.kind == "referral"]
    assert {"referral:default", "referral:tax", "referral:customs", "referral:chitchat"} <= {r.id for r in referrals}
    for referral in referrals:
        assert "海外知识产权" in referral.answer.zh or "不代写" in referral.answer.zh, referral.id
        assert "overseas IP" in referral.answer.en or "does not write" in referral.answer.en, referral.id
        assert referral.sources and referral.intents == ("out_of_scope",), referral.id
        assert 5 <= sum(1 for q in referral.questions if re.search(r"[\u4e00-\u9fff]", q)) <= 8, referral.id


def _set_checked(path: Path, item_id: str, day: str) -> None:
    text = path.read_text(encoding="utf-8")
    head = f"- id: {item_id}\n"
    start = text.index(head)
    stamp = re.compile(r"checked: \d{4}-\d{2}-\d{2}").search(text, start)
    assert stamp is not None
    path.write_text(text[: stamp.start()] + f"checked: {day}" + text[stamp.end() :], encoding="utf-8")


def test_stale_lists_an_item_not_checked_for_that_long_and_not_a_fresh_one(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faq = data_dir / "faq" / "us_disputes.yml"
    long_ago = (datetime.date.today() - datetime.timedelta(days=400)).isoformat()
    _set_checked(faq, "faq:337-timeline", long_ago)
    line = faq.read_text(encoding="utf-8").splitlines().index("- id: faq:337-timeline") + 1

    result = _check_command(capsys, "--data", str(data_dir), "--stale", "365")
    assert result.returncode == 1, result.stderr
    listed = [row.split() for row in result.stdout.splitlines() if row.startswith("  ")]
    assert listed == [
        ["faq:337-timeline", f"{os.path.relpath(faq, DATA_DIR.parent.parent)}:{line}", "checked", long_ago]
    ]

    fresh = _check_command(capsys, "--data", str(data_dir), "--stale", "500")
    assert fresh.returncode == 0 and "faq:337-timeline" not in fresh.stdout


CASE_HEADER = (
    "id,title_zh,title_en,summary_zh,summary_en,outcome_zh,outcome_en,lessons_zh,lessons_en,"
    "country,ip_type,dispute_type,industry,policy,source,illustrative,checked\n"
)
GOOD_ROW = "case:staff-example,示例案例,An example,摘要,Summary,结果,Outcome,启示,Lessons,US,专利,337,汽配,policy:5;policy:9,示例,是,2026-12-05\n"
BAD_ROW = "case:staff-bad,坏行,Bad,摘要,Summary,结果,Outcome,启示,Lessons,火星,专利,337,汽配,policy:99,示例,maybe,2026-02-30\n"


def test_case_import_is_all_or_nothing_and_names_each_bad_row(data_dir: Path, tmp_path: Path) -> None:
    from knowledge.cases import import_cases

    before = (data_dir / "cases.yml").read_text(encoding="utf-8")
    sheet = tmp_path / "cases.csv"
    sheet.write_text(CASE_HEADER + GOOD_ROW + BAD_ROW, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        import_cases(sheet, data_dir)
    assert {problem.line for problem in caught.value.problems} == {3}
    messages = " ".join(problem.message for problem in caught.value.problems)
    assert "火星" in messages and "policy:99" in messages and "illustrative" in messages
    assert "checked: '2026-02-30' is not a date" in messages
    assert (data_dir / "cases.yml").read_text(encoding="utf-8") == before

    sheet.write_text(CASE_HEADER + GOOD_ROW, encoding="utf-8")
    assert import_cases(sheet, data_dir) == ["case:staff-example"]
    case = KnowledgeBase.load(data_dir).get("case:staff-example")
    assert case is not None
    assert case.tags["country"] == ("美国",) and case.tags["dispute_type"] == ("337调查",)  # typed forms → canonical
    assert case.illustrative and "ask_typical_cases" in case.intents
    assert case.checked == datetime.date(2026, 12, 5)
    with pytest.raises(KnowledgeError, match="already exists"):
        import_cases(sheet, data_dir)
