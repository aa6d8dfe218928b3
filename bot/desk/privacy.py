"""Showing personal data only to those who need it: phone numbers and e-mail addresses masked for roles that do
not call enterprises back, and in exports unless full numbers were asked for (and the export audited)."""
from __future__ import annotations

ANONYMISED = "（已匿名）"


def mask_contact(contact: str | None) -> str:
    """"138****0001" for a phone number, "z***@example.com" for an e-mail; empty stays empty."""
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
