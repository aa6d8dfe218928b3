"""Showing personal data only to those who need it: phone numbers and e-mail addresses masked for roles that do
not call enterprises back, and in exports unless full numbers were asked for (and the export audited)."""

from __future__ import annotations

import re
from typing import Iterable

ANONYMISED = "（已匿名）"


def mask_contact(contact: str | None) -> str:
    """ "138****0001" for a phone number, "z***@example.com" for an e-mail; empty stays empty."""
    if not contact:
        return ""
    if contact == ANONYMISED:
        return contact
    if "@" in contact:
        name, _, domain = contact.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = contact.lstrip("+")
    if len(digits) <= 4:
        return "****"
    keep_head = 3 if len(digits) >= 10 else 2
    return ("+" if contact.startswith("+") else "") + digits[:keep_head] + "****" + digits[-4:]


def shown_contact(contact: str | None, *, full: bool) -> str:
    return (contact or "") if full else mask_contact(contact)


# Contacts inside free text (a description, a transcript line): what an expert reads is masked like the facts box.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z+])", r"(?![0-9A-Za-z])"
_CONTACT_PATTERNS = (
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",  # an e-mail address
    _EDGE_BEFORE + r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}" + _EDGE_AFTER,  # a mobile in China: 138 0000 0001
    _EDGE_BEFORE + r"[(（]?0\d{2,3}[)）]?[\s-]?\d{7,8}" + _EDGE_AFTER,  # a landline with its area code: 0351-1234567
    _EDGE_BEFORE + r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){1,4}[\s.-]?\d{3,}" + _EDGE_AFTER,  # with a country code
)
_CONTACTS_IN_TEXT = re.compile("|".join(f"(?:{p})" for p in _CONTACT_PATTERNS))


def redact_contacts(text: str | None, known: Iterable[str | None] = ()) -> str:
    """`text` with every phone number and e-mail address in it masked as `mask_contact` masks them: those written the
    usual ways, and the `known` contacts (the ticket's own) however they are spaced or dashed."""
    if not text:
        return text or ""
    patterns = []
    for contact in known:
        if contact and contact != ANONYMISED:
            if "@" in contact:
                patterns.append(re.escape(contact))
            else:
                digits = re.sub(r"\D", "", contact)
                if len(digits) >= 5:
                    patterns.append(_EDGE_BEFORE + r"\+?" + r"[\s().-]{0,2}".join(digits) + _EDGE_AFTER)
    pattern = (
        re.compile("|".join(f"(?:{p})" for p in (*patterns, *_CONTACT_PATTERNS)), re.IGNORECASE)
        if patterns
        else _CONTACTS_IN_TEXT
    )
    return pattern.sub(lambda m: _mask_written(m.group(0)), text)


def _mask_written(written: str) -> str:
    if "@" in written:
        return mask_contact(written)
    return mask_contact(("+" if written.startswith("+") else "") + re.sub(r"\D", "", written))
