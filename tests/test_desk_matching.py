"""Which experts a ticket goes to, best first, with the reasons staff see."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.desk.matching import rank_experts
from bot.desk.schema import Ticket

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def case(**fields) -> Ticket:
    """A ticket to rank for; it need not be stored."""
    values = dict(language="zh", ip_type="发明专利", country="德国", industry="机械装备")
    values.update(fields)
    return Ticket(**values)


def give_cases(sessions, expert_id: int, count: int, status: str = "accepted") -> None:
    with sessions.begin() as session:
        for n in range(count):
            session.add(
                Ticket(
                    number=f"SX-LOAD-{expert_id}-{n}-{status}",
                    status=status,
                    priority="normal",
                    channel="rest",
                    sender_id="load",
                    company="c",
                    contact="13800000000",
                    description="d",
                    language="zh",
                    expert_id=expert_id,
                    candidates=[],
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


def test_field_fit_orders_the_experts_and_says_why(desk_sessions, add_expert) -> None:
    exact = add_expert("德国发明专利·机械", ip_types=["发明专利"], countries=["德国"], industries=["机械装备"])
    broad = add_expert("欧盟专利", ip_types=["专利"], countries=["欧盟"], industries=["机械装备"])
    europe = add_expert("欧洲专利", ip_types=["专利"], countries=["欧洲"])
    country_only = add_expert("德国商标", ip_types=["商标"], countries=["德国"])
    right_only = add_expert("美国专利", ip_types=["专利"], countries=["美国"])
    add_expert("美国商标", ip_types=["商标"], countries=["美国"], industries=["机械装备"])  # neither right nor country

    with desk_sessions() as session:
        ranked = rank_experts(session, case())

    assert [c.expert_id for c in ranked] == [exact, broad, europe, country_only, right_only]
    assert [c.score for c in ranked] == [10, 8, 6, 4, 3]
    assert ranked[0].reasons == ("知识产权类型：发明专利", "国家/地区：德国", "行业：机械装备", "负荷：0/3")
    assert ranked[1].reasons[:3] == (
        "知识产权类型：专利（涵盖发明专利）",
        "国家/地区：欧盟（涵盖德国）",
        "行业：机械装备",
    )
    assert "国家/地区：欧洲（涵盖德国）" in ranked[2].reasons
    assert ranked[3].reasons[0] == "国家/地区：德国"


def test_among_equals_the_lighter_load_goes_first(desk_sessions, add_expert) -> None:
    busy = add_expert("忙", ip_types=["专利"], countries=["德国"], max_open_cases=4)
    idle = add_expert("闲", ip_types=["专利"], countries=["德国"], max_open_cases=4)
    roomy = add_expert("宽", ip_types=["专利"], countries=["德国"], max_open_cases=8)
    give_cases(desk_sessions, busy, 2)  # 2/4
    give_cases(desk_sessions, roomy, 4, status="assigned")  # 4/8: the same load, more free places
    give_cases(desk_sessions, idle, 5, status="answered")  # answered and closed cases are not open
    give_cases(desk_sessions, idle, 2, status="closed")

    with desk_sessions() as session:
        ranked = rank_experts(session, case())

    assert [c.expert_id for c in ranked] == [idle, roomy, busy]
    assert [(c.open_cases, c.max_open_cases) for c in ranked] == [(0, 4), (4, 8), (2, 4)]
    assert ranked[2].reasons[-1] == "负荷：2/4"


def test_unavailable_full_and_other_language_experts_are_left_out(desk_sessions, add_expert) -> None:
    add_expert("休假", ip_types=["专利"], countries=["德国"], languages=["zh", "en"], available=False)
    full = add_expert("满", ip_types=["专利"], countries=["德国"], languages=["zh", "en"], max_open_cases=1)
    give_cases(desk_sessions, full, 1)
    chinese = add_expert("只会中文", ip_types=["专利"], countries=["德国"], languages=["zh"])
    english = add_expert("会英文", ip_types=["专利"], countries=["美国"], languages=["zh", "en"])
    english_only = add_expert("只会英文", ip_types=["专利"], countries=["美国"], languages=["en"], max_open_cases=9)

    with desk_sessions() as session:
        assert [c.expert_id for c in rank_experts(session, case(language="en"))] == [english_only, english]
        assert [c.expert_id for c in rank_experts(session, case())] == [chinese, english]
        english_reasons = rank_experts(session, case(language="en"))[1].reasons
    assert "语言：可用英文" in english_reasons


def test_related_kinds_of_patent_and_regions_fit_both_ways(desk_sessions, add_expert) -> None:
    design = add_expert("外观设计·东南亚", ip_types=["外观设计"], countries=["东南亚"])
    with desk_sessions() as session:
        for ticket, expected in [
            (
                case(ip_type="专利", country="越南"),
                ("知识产权类型：外观设计（属于专利）", "国家/地区：东南亚（涵盖越南）"),
            ),
            (case(ip_type="商标", country="泰国"), ("国家/地区：东南亚（涵盖泰国）",)),
        ]:
            (candidate,) = rank_experts(session, ticket)
            assert candidate.expert_id == design
            assert candidate.reasons[:-1] == expected
        assert rank_experts(session, case(ip_type="发明专利", country="美国")) == []
        assert rank_experts(session, case(ip_type=None, country=None)) == []
