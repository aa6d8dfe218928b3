"""The FAQ entries added for the fact-check's gaps (issue 18) are answered through the real stack, in Chinese and in
English: REST channel → Rasa (the trained model) → action server → knowledge base. Each entry is asked one of its own
example questions in each language, and the reply must cite that entry first."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.helpers.rest import customs, say

from actions.replies import EXPERT_BUTTON

FAQ_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "faq"
ADDED_FILES = ("us_followups.yml", "brands_registrations.yml", "europe_uk.yml", "china_side.yml")

#: entry → (a Chinese, an English) question from its own `questions`, phrased as a general question rather than a
#: live dispute (which the bot also escalates).
ASKED = {
    "faq:eu-design-protection": (
        "欧盟外观设计有注册的和不注册的两种吗，区别在哪",
        "What is the difference between a registered and an unregistered EU design?",
    ),
    "faq:schedule-a-jurisdiction": (
        "schedule a 案子提管辖权异议有用吗，成功率高不高",
        "Can we challenge personal jurisdiction in a Schedule A case in Chicago?",
    ),
    "faq:tro-which-accounts": (
        "TRO下来以后，我们PingPong和连连里的钱也会被冻吗",
        "Can a US TRO freeze our Payoneer, PingPong or LianLian balances?",
    ),
    "faq:us-judgment-in-china": (
        "美国的缺席判决能拿到中国法院来申请执行吗",
        "Have Chinese courts ever recognised a US court judgment?",
    ),
    "faq:cbp-detention-deadlines": (
        "CBP扣货一般扣多久，会不会直接没收",
        "How long can US customs hold our goods before seizing them?",
    ),
    "faq:appeal-deadlines": (
        "德国法院一审判决下来了，上诉期是一个月还是两个月",
        "How long do we have to appeal a US district court judgment?",
    ),
    "faq:337-temporary-relief": (
        "ITC的TEO是什么意思，多久会出结果",
        "What is a temporary exclusion order in a 337 case and how quickly is it decided?",
    ),
    "faq:buyer-indemnity-ucc": (
        "采购订单写排除联合国销售合同公约，那侵权责任怎么算",
        "Does the UCC make a seller warrant that its goods do not infringe?",
    ),
    "faq:us-copyright-photos": (
        "我们的图片没在美国版权局登记，还能在美国打版权官司吗",
        "Can we get statutory damages for copied product images?",
    ),
    "faq:us-trademark-maintenance": (
        "USPTO的第八条宣誓是啥，什么时候交",
        "When do we file the Section 8 declaration for our US trademark?",
    ),
    "faq:brand-registry-local-mark": (
        "亚马逊美国站做品牌备案需要哪个国家的商标",
        "Does Amazon Brand Registry accept a Chinese trademark registration?",
    ),
    "faq:opposition-windows-abroad": (
        "英国商标公告了，异议期两个月能不能延长",
        "How long do we have to oppose a trademark registration in Japan?",
    ),
    "faq:registration-terms": (
        "海牙外观设计注册能保护几年，要不要每五年续一次",
        "How long does a US design patent last, and are there maintenance fees?",
    ),
    "faq:uk-after-brexit": ("脱欧以后欧盟外观设计还管不管英国", "Does our EU trade mark cover the UK after Brexit?"),
    "faq:germany-after-injunction": (
        "展会结束了，德国那个einstweilige Verfügung还管我们吗",
        "Does a German injunction lapse if the applicant does nothing further?",
    ),
    "faq:eu-seizure-merits-deadline": (
        "意大利米兰展会被采取了临时措施，权利人多久必须正式起诉",
        "How long does the applicant have to sue after provisional measures in Italy?",
    ),
    "faq:eu-craft-gi": (
        "欧盟不是只保护食品和酒的地理标志吗，工艺品也行？",
        "When did the EU start protecting GIs for craft and industrial products?",
    ),
    "faq:national-guidance-centre": (
        "国家海外知识产权纠纷应对指导中心是干啥的，怎么找他们",
        "Is there a national centre in China for guidance on overseas IP disputes?",
    ),
    "faq:order-801": (
        "国务院801号令讲的是啥，跟我们出口企业有啥关系",
        "What is State Council Order No. 801 on foreign-related IP disputes?",
    ),
    "faq:ip-transfer-abroad": (
        "中国专利转让给外国企业要不要商务部门批准",
        "Does transferring a Chinese patent to a foreign party need a technology export licence?",
    ),
    "faq:insurance-what-it-pays": (
        # not "专利执行险和专利被侵权损失险有什么区别": faq:insurance-types lists what each kind covers and answers it too
        "保险能不能赔法院判的赔偿金",
        "Does overseas IP legal-expenses insurance cover damages awarded against us?",
    ),
}


def added_entries() -> list[dict]:
    return [entry for name in ADDED_FILES for entry in yaml.safe_load((FAQ_DIR / name).read_text(encoding="utf-8"))]


def test_every_added_entry_is_asked_with_its_own_questions() -> None:
    entries = {entry["id"]: entry for entry in added_entries()}
    assert set(ASKED) == set(entries)
    for item_id, (zh, en) in ASKED.items():
        assert zh in entries[item_id]["questions"]["zh"] and en in entries[item_id]["questions"]["en"], item_id


def test_added_entries_name_the_expert_button_by_its_label() -> None:
    for entry in added_entries():
        for field in ("answer", "text"):
            zh, en = entry[field]["zh"], entry[field]["en"]
            assert "找专家" not in zh.replace(f"“{EXPERT_BUTTON.zh}”", ""), entry["id"]
            assert "find an expert" not in en.lower() and 'consult an expert"' not in en.lower(), entry["id"]
            if "tap" in en:
                assert f'tap "{EXPERT_BUTTON.en}"' in en, entry["id"]


def test_added_entries_say_when_they_were_checked() -> None:
    for entry in added_entries():
        assert str(entry.get("checked")) == "2026-12-05", entry["id"]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("item_id", sorted(ASKED))
def test_the_added_entry_answers_its_question(stack, item_id: str, language: str) -> None:
    question = ASKED[item_id][0 if language == "zh" else 1]
    replies = say(stack, f"kb-additions-{item_id}-{language}", question)
    answers = [custom for custom in customs(replies) if custom["kind"] == "answer"]
    assert answers, replies
    assert answers[0]["language"] == language, answers[0]
    assert answers[0]["sources"][0] == item_id, (question, answers[0])
