"""The page of a cited source, `/source/<id>`: the knowledge item in full, so a visitor can check a citation.

For a policy measure (`policy:N`) that is the policy's own wording of the measure with the document's title,
number and issuers; for a FAQ entry, a case or a checklist, its full text and its named sections, with the
measures it relates to (links again) and where its facts come from. Everything is escaped: the page is built from
the knowledge files, but nothing on it is taken as markup.
"""

from __future__ import annotations

from html import escape

from knowledge import Item, KnowledgeBase, Language

PAGE = """<!doctype html>
<html lang="{lang_tag}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/chat.css"></head>
<body class="source-page"><main id="source" aria-labelledby="source-title">
<p class="source-kind">{kind}</p>
<h1 id="source-title">{title}</h1>
{body}
<p><a href="/source/{item_id}?lang={other}">{switch}</a></p>
</main></body></html>
"""
KINDS = {
    "policy": ("《实施意见》原文", "The policy's own wording"),
    "faq": ("常见问题", "Frequently asked question"),
    "case": ("案例", "Case"),
    "checklist": ("展前清单", "Pre-show checklist"),
    "referral": ("转介", "Referral"),
}


def render(kb: KnowledgeBase, item_id: str, language: str) -> str | None:
    """The page of `item_id` in `language` (zh or en), or None when there is no such item."""
    item = kb.get(item_id)
    if item is None:
        return None
    en = language == "en"
    lang: Language = "en" if en else "zh"
    kind = KINDS.get(item.kind, (item.kind, item.kind))[1 if en else 0]
    parts: list[str] = []
    if item.kind == "policy":
        policy = kb.policy
        issuers = "、".join(i.get(lang) for i in policy.issuers) if not en else ", ".join(i.en for i in policy.issuers)
        parts.append(
            f'<p class="source-document">{escape(policy.title.get(lang))}（{escape(policy.number)}）'
            f"{escape(issuers)} {escape(policy.date)}</p>"
        )
        parts.append(f'<p class="source-cite">{escape(kb.cite(item, lang))}</p>')
    parts.append(_paragraphs(item.text.get(lang) or item.answer.get(lang)))
    for name, section in item.details.items():
        parts.append(f"<h2>{escape(name)}</h2>{_paragraphs(section.get(lang))}")
    if item.illustrative:
        parts.append(f'<p class="note">{"Illustrative example, not a real case." if en else "示例，非真实案例。"}</p>')
    parts += _related(kb, item, lang)
    if item.sources:
        heading = "Sources" if en else "出处"
        listed = "".join(f"<li>{escape(source)}</li>" for source in item.sources)
        parts.append(f"<h2>{heading}</h2><ul>{listed}</ul>")
    if item.checked is not None:
        parts.append(f'<p class="note">{"Last checked" if en else "最近核对"}：{item.checked.isoformat()}</p>')
    return PAGE.format(
        lang_tag="en" if en else "zh-CN",
        title=escape(item.title.get(lang)),
        kind=escape(kind),
        body="\n".join(parts),
        item_id=escape(item.id),
        other="zh" if en else "en",
        switch="中文" if en else "English",
    )


def title_of(kb: KnowledgeBase, item_id: str, language: str) -> str | None:
    """How a reply's source is named in a link: the citation for a measure, the title for other items."""
    item = kb.get(item_id)
    if item is None:
        return None
    lang: Language = "en" if language == "en" else "zh"
    return kb.cite(item, lang) if item.kind == "policy" else item.title.get(lang)


def _related(kb: KnowledgeBase, item: Item, lang: Language) -> list[str]:
    measures = [kb.get(m) for m in item.policy]
    links = [
        f'<li><a href="/source/{escape(m.id)}?lang={lang}">{escape(kb.cite(m, lang))}</a></li>'
        for m in measures
        if m is not None
    ]
    return [f"<h2>{'Related measures' if lang == 'en' else '相关条款'}</h2><ul>{''.join(links)}</ul>"] if links else []


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(block.strip())}</p>" for block in text.split("\n\n") if block.strip())
