"""What was pasted rather than typed: markup and data around a question (HTML, code fences, a JSON body), links,
e-mail headers and base64. The question inside is what the other cues read; markup alone says nothing."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re

from knowledge.cues.patterns import any_of


#: HTML tags and code fences around a question: what a browser or an editor added, or a probe of the channels (which
#: escape every reply). A question inside them is read as the question.
WRAPPING = re.compile(r"<[^<>]{0,300}>|```\w*")


#: A script element, tag to tag with what it runs: taken off whole, so that what it runs is not read as words.
SCRIPT_ELEMENT = re.compile(r"<\s*script\b[^<>]{0,300}>.{0,2000}?<\s*/\s*script\s*>", re.IGNORECASE | re.DOTALL)


#: What a message says: its Chinese characters and English words. Markup taken off must leave at least MIN_SAID of
#: them to be read as a question (`unwrapped`): a link, a number or a table alone says nothing more unwrapped.
_SAID = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")


MIN_SAID = 4


#: A link.
URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


def says_enough(text: str) -> bool:
    """Whether the text says enough (MIN_SAID) to be read as a question once its wrapping is off."""
    return len(_SAID.findall(text)) >= MIN_SAID


def unwrapped(text: str) -> str:
    """The question inside markup ("<b>…</b>", a code fence, "&nbsp;", a JSON object's values such as
    `{"message": "海外展会被投诉侵权怎么办"}`), or `text` itself when the markup wraps too little to be a question."""
    inside = _json_values(html.unescape(untagged(text)))
    return inside.strip() if inside != text and says_enough(inside) else text


def untagged(text: str) -> str:
    return WRAPPING.sub(" ", SCRIPT_ELEMENT.sub(" ", text))


def _json_values(text: str) -> str:
    """The string values of a JSON object or array (what a client's form or a pasted API body asked), or `text`."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return text
    try:
        data = json.loads(stripped)
    except ValueError:
        return text
    values: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    collect(data)
    return " ".join(values) if values else text


_BASE64 = re.compile(r"^\s*([A-Za-z0-9+/]{16,}={0,2})\s*$")


def decoded(text: str) -> str | None:
    """The text a message encoded in base64 stands for, when it is one base64 token that decodes to readable text: an
    instruction hidden that way ("SWdub3Jl…" for "Ignore previous instructions…") is still an instruction."""
    match = _BASE64.match(text)
    if not match or len(match.group(1)) % 4:
        return None
    try:
        plain = base64.b64decode(match.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return plain if plain.isprintable() else None


#: Markup and data that a person did not type as words: a refusal needs a cue of its own in them.
MARKUP = any_of(
    r"^\s*[{\[]|[}\]]\s*$|<[a-z/][^>]*>|(?<![\d*])\*\*(?![\d*])|^\s*(https?://\S+\s*)+$|^[A-Za-z0-9+/=]{16,}$|^\|.*\|$|&(#\d+|[a-z]+);|```",
    # a form's fields, one per line ("企业名称：… / 问题类型：海外商标 / 问题描述：…")
    r"(^|\n)\s*[\u4e00-\u9fffA-Za-z]{2,8}\s*[:：][^\n]+\n\s*[\u4e00-\u9fffA-Za-z]{2,8}\s*[:：]",
)


#: A letter's or a notice's heading or salutation opening a line ("Dear Sir/Madam", "NOTICE OF OPPOSITION", "Re:
#: Infringement of …", "警告書", "UNITED STATES INTERNATIONAL TRADE COMMISSION").
LETTER_HEADING = any_of(
    r"(^|\n)\s*(dear\b|notice\b|re\s*:|subject\s*:|fwd?\s*:|from\s*:|警告書|警告函|abmahnung|united states|euipo|"
    r"notice of|in the matter of)"
)


#: Material pasted into the chat, which the classifier tends to read as an attack: markup or data, a link, an e-mail's
#: headers ("-----Original Message-----", "Subject: Abmahnung …"), a letter's heading.
PASTED = any_of(
    MARKUP.pattern,
    URL.pattern,
    LETTER_HEADING.pattern,
    r"-{3,}\s*(original message|forwarded message|urspr\u00fcngliche nachricht)|(^|\n)(from|sent|subject|von|betreff|发件人|主题)\s*[:：]",
)
