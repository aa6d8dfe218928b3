"""An item's answer as every channel gives it: the lead (the measure named up front), the short answer or the
longer text, and the sources line.

It lives here, not with the chat's actions, because the hotline console suggests the very same wording to staff
that the chat gives enterprises: one text, one place to correct it.
"""

from __future__ import annotations

from knowledge.base import KnowledgeBase
from knowledge.items import Item, Localized, chinese_numeral
from knowledge.text import Language

ILLUSTRATIVE = Localized("【示例，非真实案件】", "[Illustrative example, not a real case] ")
CASE_OUTCOME = Localized("结果：", "Outcome: ")
CASE_LESSONS = Localized("启示：", "Lessons: ")


def item_label(kb: KnowledgeBase, item: Item, language: Language) -> str:
    """A short button label: "第（五）条 加强海外风险防控…" / "Measure 5: Strengthen overseas …"."""
    title = item.title.get(language)
    if item.kind == "policy" and item.number is not None:
        prefix = f"Measure {item.number}: " if language == "en" else f"第（{chinese_numeral(item.number)}）条 "
    else:
        prefix = ""
    label = prefix + title
    limit = 40 if language == "en" else 20
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _measures(kb: KnowledgeBase, refs: tuple[str, ...], language: Language) -> str:
    """ "《实施意见》（晋知产发〔2022〕23号）第（五）条、第（十一）条" / "Measures 5 and 11 of the Implementation Opinions (…)"."""
    numbers = [int(ref.split(":")[1]) for ref in refs]
    if language == "en":
        listed = ", ".join(str(n) for n in numbers[:-1]) + (" and " if len(numbers) > 1 else "") + str(numbers[-1])
        return f"Measure{'s' if len(numbers) > 1 else ''} {listed} of {kb.policy.short.en} ({kb.policy.number})"
    return f"{kb.policy.short.zh}（{kb.policy.number}）" + "、".join(f"第（{chinese_numeral(n)}）条" for n in numbers)


def _as_of(item: Item, language: Language) -> str:
    """ "（核实于2026-12-05）" / " (checked 2026-12-05)": how current the sources line is."""
    if item.checked is None:
        return ""
    return f" (checked {item.checked.isoformat()})" if language == "en" else f"（核实于{item.checked.isoformat()}）"


def sources_line(item: Item, language: Language) -> str:
    """ "来源：…；…（核实于2026-12-05）" / "Sources: …; … (checked 2026-12-05)": an item's sources and when they were
    last checked, as every reply that cites the item gives them (answers here, referrals in the chat's actions)."""
    return (
        ("Sources: " if language == "en" else "来源：")
        + ("; " if language == "en" else "；").join(item.sources)
        + _as_of(item, language)
    )


def _footer(kb: KnowledgeBase, item: Item, language: Language) -> str:
    """The sources line with the date they were last checked, and for FAQ entries and cases the measures they
    relate to."""
    if item.kind == "policy":
        return ("Source: " if language == "en" else "来源：") + kb.cite(item, language) + _as_of(item, language)
    lines = [sources_line(item, language)]
    if item.policy:
        label = "Related provincial measures: " if language == "en" else "相关政策："
        lines.append(label + _measures(kb, item.policy, language))
    return "\n".join(lines)


def answer_text(kb: KnowledgeBase, item: Item, language: Language, *, detail: bool = False) -> str:
    """The answer, its source and (for a measure) the measure named up front.

    `detail` gives the item's longer text (the "more" button) instead of the short answer.
    """
    if item.kind == "policy" and item.number is not None:
        if language == "en":
            lead = f"Under Measure {item.number} of {kb.policy.short.en} (“{item.title.en}”):"
        else:
            lead = f"依据{kb.policy.short.zh}第（{chinese_numeral(item.number)}）条“{item.title.zh}”："
    else:
        lead = (ILLUSTRATIVE.get(language) if item.illustrative else "") + item.title.get(language)
    body = item.text.get(language) if detail and item.text.get(language) else item.answer.get(language)
    if item.kind == "case":
        body += "\n" + CASE_OUTCOME.get(language) + item.details["outcome"].get(language)
        body += "\n" + CASE_LESSONS.get(language) + item.details["lessons"].get(language)
    return f"{lead}\n{body}\n\n{_footer(kb, item, language)}"
