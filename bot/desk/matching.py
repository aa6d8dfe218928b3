"""Which experts fit a ticket, best first, and why.

Field fit comes first: an advisor who knows the right kind of right in the right market is worth waiting for
over an idle generalist. Among equally fitting experts the one with the lighter load (open cases over their
cap) comes first, then the one with more free places. Experts who are unavailable, at their cap, or who do not
work in the ticket's language (zh or en) are left out, and so is anyone who fits neither the IP type nor the country:
staff assign those cases by hand rather than the desk guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.desk.schema import Expert, Ticket

# Cases an expert is working on: asked to take, or taken and not yet answered.
OPEN_STATUSES = ("assigned", "accepted")

# An expert of the key also covers each value (ip types: 专利 covers its three kinds).
IP_FAMILIES: dict[str, frozenset[str]] = {
    "专利": frozenset({"发明专利", "实用新型", "外观设计"}),
}

_EU = frozenset({"德国", "法国", "意大利", "西班牙", "荷兰", "波兰"})
REGIONS: dict[str, frozenset[str]] = {
    "欧盟": _EU,
    "欧洲": _EU | {"欧盟", "英国", "瑞士"},
    "东南亚": frozenset({"越南", "泰国", "印度尼西亚", "马来西亚", "新加坡", "菲律宾"}),
    "中东": frozenset({"沙特阿拉伯", "阿联酋", "土耳其", "埃及"}),
    "非洲": frozenset({"南非", "埃及"}),
    "拉丁美洲": frozenset({"巴西", "墨西哥"}),
    "中亚": frozenset({"哈萨克斯坦"}),
}

EXACT, BROAD, INDUSTRY = 4, 3, 2


@dataclass(frozen=True)
class Candidate:
    """An expert who may take the ticket; `score` is the field fit, `reasons` say it in words for staff."""

    expert_id: int
    name: str
    score: int
    reasons: tuple[str, ...]
    open_cases: int
    max_open_cases: int

    @property
    def load(self) -> float:
        return self.open_cases / self.max_open_cases


def open_cases(session: Session, expert_ids: list[int] | None = None) -> dict[int, int]:
    """Open cases per expert (experts with none are absent)."""
    statement = (
        select(Ticket.expert_id, func.count())
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.expert_id.is_not(None))
        .group_by(Ticket.expert_id)
    )
    if expert_ids is not None:
        statement = statement.where(Ticket.expert_id.in_(expert_ids))
    return {expert_id: count for expert_id, count in session.execute(statement)}


def rank_experts(session: Session, ticket: Ticket) -> list[Candidate]:
    """The experts who may take `ticket`, best first."""
    experts = session.scalars(select(Expert).where(Expert.available.is_(True)).order_by(Expert.id)).all()
    loads = open_cases(session)
    ranked = []
    for expert in experts:
        load = loads.get(expert.id, 0)
        if load >= expert.max_open_cases:
            continue
        if not speaks(expert, ticket.language):
            continue
        score, reasons = field_fit(expert, ticket)
        if score == 0:
            continue
        if ticket.language == "en":
            reasons.append("语言：可用英文")
        reasons.append(f"负荷：{load}/{expert.max_open_cases}")
        ranked.append(Candidate(expert.id, expert.name, score, tuple(reasons), load, expert.max_open_cases))
    ranked.sort(key=lambda c: (-c.score, c.load, -(c.max_open_cases - c.open_cases), c.expert_id))
    return ranked


def speaks(expert: Expert, language: str) -> bool:
    """Whether the expert works in the ticket's language: an English ticket needs 'en', a Chinese one 'zh'."""
    return language in (expert.languages or [])


def field_fit(expert: Expert, ticket: Ticket) -> tuple[int, list[str]]:
    """How well the expert's fields cover the ticket's IP type, country and industry; 0 when neither of the first two."""
    score, reasons = 0, []
    ip_score, ip_reason = _cover(expert.ip_types or [], ticket.ip_type, IP_FAMILIES, "知识产权类型")
    country_score, country_reason = _cover(expert.countries or [], ticket.country, REGIONS, "国家/地区")
    if ip_score == 0 and country_score == 0:
        return 0, []
    for part, reason in ((ip_score, ip_reason), (country_score, country_reason)):
        score += part
        if reason:
            reasons.append(reason)
    if ticket.industry and ticket.industry in (expert.industries or []):
        score += INDUSTRY
        reasons.append(f"行业：{ticket.industry}")
    return score, reasons


def _cover(values: list[str], wanted: str | None, families: dict[str, frozenset[str]], label: str) -> tuple[int, str]:
    if not wanted:
        return 0, ""
    if wanted in values:
        return EXACT, f"{label}：{wanted}"
    for value in values:
        if wanted in families.get(value, ()):
            return BROAD, f"{label}：{value}（涵盖{wanted}）"
        if value in families.get(wanted, ()):
            return BROAD, f"{label}：{value}（属于{wanted}）"
    return 0, ""


def related(value: str, other: str, families: Mapping[str, frozenset[str]]) -> bool:
    """Whether two values concern each other: equal, or one is a family or region holding the other (a German
    matter concerns the EU, and an EU-wide one concerns Germany)."""
    return value == other or other in families.get(value, ()) or value in families.get(other, ())
