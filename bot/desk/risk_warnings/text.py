"""What the chat and the console show of a warning: its text as a reply cites it, and the id it is cited by."""

from __future__ import annotations

from bot.desk.schema import RiskWarning
from bot.desk.risk_warnings.criteria import Criteria
from knowledge import Language, Localized
from knowledge.vocabulary import Vocabulary

SOURCE_PREFIX = "warning:"
ILLUSTRATIVE = Localized("【示例，非真实预警】", "[Illustrative sample, not a real warning] ")


def warning_text(warning: RiskWarning, language: Language, vocabulary: Vocabulary, *, full: bool) -> str:
    """A warning as a reply shows it: its id, title, text (the first lines unless `full`), what it concerns, its
    source and how long it is current. English readers get the English text when staff wrote one."""
    english = language == "en"
    title = warning.title_en if english and warning.title_en else warning.title
    body = warning.text_en if english and warning.text_en else warning.text
    if not full and len(body) > 120:
        body = body[:119].rstrip() + "…"
    lead = (ILLUSTRATIVE.get(language) if warning.illustrative else "") + (
        f"[Warning {SOURCE_PREFIX}{warning.id}] " if english else f"【预警 {SOURCE_PREFIX}{warning.id}】"
    )
    if english and not warning.title_en:
        title += " (in Chinese)"
    concerns = Criteria(
        tuple(warning.countries), tuple(warning.industries), tuple(warning.ip_types), tuple(warning.products)
    )
    scope = concerns.describe(language, vocabulary) if concerns.named else ("all markets" if english else "不限")
    until = (
        warning.valid_until.isoformat()
        if warning.valid_until
        else ("until withdrawn" if english else "长期有效，撤销为止")
    )
    if english:
        footer = f"Concerns: {scope}\nSource: {warning.source} ({warning.published_on.isoformat()}); current {'until ' + until if warning.valid_until else until}"
    else:
        footer = f"涉及：{scope}\n来源：{warning.source}（{warning.published_on.isoformat()}）；有效期至：{until}"
    return f"{lead}{title}\n{body}\n{footer}"


def source_id(warning: RiskWarning) -> str:
    return f"{SOURCE_PREFIX}{warning.id}"
