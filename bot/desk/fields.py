"""Reading what people type into the desk's fields: contacts, deadlines, free text.

Shared by the chat's escalation form and the hotline console, so both accept and refuse the same things and
say why in the same words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

#: A mainland mobile (13800000000, +86 138-0000-0000), a landline with area code (0351-1234567), an
#: international number (+49 30 1234567), or an e-mail address.
_MOBILE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}$")
_LANDLINE = re.compile(r"^0\d{2,3}[- ]?\d{7,8}(?:[- ]?\d{1,5})?$")
_INTERNATIONAL = re.compile(r"^\+\d{1,3}(?:[ -]?\d){6,14}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_CONTACT_IN_TEXT = re.compile(r"(\+?\d[\d -]{6,18}\d|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")

NO_DEADLINE_WORDS = ("无", "没有", "暂无", "不清楚", "不知道", "没", "none", "no", "n/a", "unknown", "not sure")
#: What no stored field may hold: control characters (tabs and line breaks stay), lone UTF-16 surrogates (a JSON
#: body may carry "\\ud800"; UTF-8 and PostgreSQL refuse them) and Unicode's non-characters.
UNSTORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)
_CONTROL = UNSTORABLE


class FormError(ValueError):
    """What is wrong with a form as typed: field → message in Chinese, every field checked, not just the first."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class FieldError(ValueError):
    """What is wrong with a value, in words to show the person who typed it (zh and en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, language: str) -> str:
        return self.en if language == "en" else self.zh


def strip_control(text: str) -> str:
    """`text` without what no stored field may hold (`UNSTORABLE`: control characters but tabs and line breaks, lone
    surrogates, non-characters)."""
    return _CONTROL.sub("", text)


def clean_text(text: str, *, max_length: int, min_length: int = 1, what: tuple[str, str] = ("内容", "text")) -> str:
    """Text as stored: NFC-normalised, control characters removed, whitespace trimmed, within the bounds."""
    # Browsers send a textarea's line breaks as CRLF: store plain newlines, so an unedited suggestion stays equal.
    cleaned = strip_control(unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(cleaned) < min_length:
        raise FieldError(f"{what[0]}太短了，请再具体一些。", f"The {what[1]} is too short; please say a little more.")
    if len(cleaned) > max_length:
        raise FieldError(
            f"{what[0]}太长了（{len(cleaned)}字），请控制在{max_length}字以内。",
            f"The {what[1]} is too long ({len(cleaned)} characters); please keep it under {max_length}.",
        )
    return cleaned


def parse_contact(text: str) -> str:
    """A phone number or e-mail address found in what was typed ("张经理 138 0000 0000" gives the number)."""
    for candidate in [text.strip(), *(m.group(0) for m in _CONTACT_IN_TEXT.finditer(text or ""))]:
        compact = candidate.strip()
        if _EMAIL.match(compact):
            return compact.lower()
        digits = compact.replace("（", "(").replace("）", ")").replace("(", "").replace(")", "")
        if _MOBILE.match(digits) or _LANDLINE.match(digits) or _INTERNATIONAL.match(digits):
            return re.sub(r"[ -]", "", digits)
    raise FieldError(
        "没能识别联系方式，请留下手机号、带区号的座机或电子邮箱，例如 13800000000 或 name@example.com。",
        "I could not find a phone number or e-mail address; please give one, e.g. +86 138 0000 0000 or name@example.com.",
    )


def split_contact(text: str) -> tuple[str, str]:
    """("张经理", "13800000000") from "张经理 138 0000 0000": the person's name (may be empty) and the contact."""
    contact = parse_contact(text)
    name = text
    for match in _CONTACT_IN_TEXT.finditer(text):
        name = name.replace(match.group(0), " ")
    name = re.sub(r"[\s,，:：;；/]+", " ", name).strip()
    return name, contact


@dataclass(frozen=True)
class Deadline:
    """A deadline the enterprise faces, or none; `text` is how it was given, kept for the expert."""

    day: date | None
    text: str

    @property
    def stored(self) -> str:
        return self.day.isoformat() if self.day else "无"


_ISO = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_IN_DAYS = re.compile(
    r"(\d{1,3})\s*(?:个工作日|天|日|days?)(?:内|之内|以内|后)?|(?:within|in)\s*(\d{1,3})\s*days?", re.I
)
_IN_WEEKS = re.compile(r"(\d{1,2})\s*(?:周|个星期|weeks?)(?:内|之内|以内|后)?", re.I)


def parse_deadline(text: str, today: date) -> Deadline:
    """A date from "2026-12-05", "12月5日", "20天内", "within 21 days", or none from "无"/"no".

    Relative spans count calendar days from today; a month-day without a year is the next such day. A date
    in the past is refused: a deadline already missed needs a person at once, not a form.
    """
    raw = (text or "").strip()
    lowered = raw.lower().rstrip("。.!！")
    if not raw or lowered in NO_DEADLINE_WORDS:
        return Deadline(None, raw or "无")
    day: date | None = None
    try:
        if match := _ISO.search(raw):
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        elif match := _MONTH_DAY.search(raw):
            day = date(today.year, int(match.group(1)), int(match.group(2)))
            if day < today:
                day = date(today.year + 1, day.month, day.day)
        elif match := _IN_DAYS.search(raw):
            day = today + timedelta(days=int(match.group(1) or match.group(2)))
        elif match := _IN_WEEKS.search(raw):
            day = today + timedelta(weeks=int(match.group(1)))
    except ValueError as error:  # 2月30日
        raise FieldError(
            f"日期“{raw}”不存在，请再确认一下。", f"The date “{raw}” does not exist; please check it."
        ) from error
    if day is None:
        raise FieldError(
            "没能识别期限，请写日期（如 2026-12-05 或 12月5日）、“20天内”，没有期限请回复“无”。",
            "I could not read the deadline; write a date (e.g. 2026-12-05), “within 20 days”, or “none”.",
        )
    if day < today:
        raise FieldError(
            f"{day.isoformat()} 已经过去了。如果期限已过，请直接说明情况，我们会尽快安排专家。",
            f"{day.isoformat()} has already passed. If a deadline was missed, say so and we will find an expert at once.",
        )
    return Deadline(day, raw)


#: The longest fair a registration may span; anything longer is a typo in a date.
MAX_FAIR_DAYS = 31
_DATE_PART = re.compile(
    r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"  # 2026-03-10, 2026年3月10日, 3月10日, 3/10
    r"|(?<![\d])(\d{1,2})\s*[日号]"  # 13日 (the month of the first date)
)
_RANGE_SEPARATOR = re.compile(r"\s*(?:至|到|~|～|—|–|-{1,2}|to|until|through)\s*", re.IGNORECASE)


def parse_date_range(text: str, today: date) -> tuple[date, date]:
    """The first and last day of a fair from "2026-03-10至2026-03-13", "3月10日-13日", "3/10-3/13", "2026-03-10"
    (one day). Dates without a year are the next such fair that has not ended; the end may leave out what it shares
    with the start ("3月10日至13日"). Refused: an end before the start, a fair already over, one longer than a month."""
    raw = (text or "").strip()
    parts = []
    for match in _DATE_PART.finditer(raw):
        year, month, day, day_only = match.groups()
        parts.append((int(year) if year else None, int(month) if month else None, int(day or day_only)))
        if len(parts) == 2:
            break
    if not parts or parts[0][1] is None:
        raise FieldError(
            "没能识别展会日期，请写成“2026-03-10 至 2026-03-13”或“3月10日-13日”。",
            "I could not read the dates; write them like “2026-03-10 to 2026-03-13”.",
        )
    try:
        year, month, day = parts[0]
        assert month is not None  # refused above
        start = date(year or today.year, month, day)
        end = start
        if len(parts) == 2:
            end_year, end_month, end_day = parts[1]
            end = date(end_year or start.year, end_month or start.month, end_day)
            if end_year is None and end < start:
                end = date(end.year + 1, end.month, end.day)
        if year is None and end < today:  # no year given: the next such fair (one under way counts as this one)
            start, end = date(start.year + 1, start.month, start.day), date(end.year + 1, end.month, end.day)
    except ValueError as error:
        raise FieldError(
            f"日期“{raw}”不存在，请再确认一下。", f"The date “{raw}” does not exist; please check it."
        ) from error
    if end < start:
        raise FieldError(
            "结束日期早于开始日期，请再确认一下。", "The last day is before the first; please check the dates."
        )
    if end < today:
        raise FieldError(
            f"这个展会已于 {end.isoformat()} 结束。如果在展会上遇到了纠纷，请直接描述情况，我会为您转专家。",
            f"That fair ended on {end.isoformat()}. If you ran into a dispute there, describe it and I will "
            f"bring in an expert.",
        )
    if (end - start).days >= MAX_FAIR_DAYS:
        raise FieldError(
            f"展会跨度超过 {MAX_FAIR_DAYS} 天，请核对日期。",
            f"That is more than {MAX_FAIR_DAYS} days; please check the dates.",
        )
    return start, end


_YES = re.compile(r"^(?:是|有|会|对|要|展出|带|(?:yes|y|yeah|sure|we do|we will)(?![A-Za-z]))", re.IGNORECASE)
_NO = re.compile(r"^(?:不是|没有|没|无|否|不会|不展|不带|不要|(?:no|n|none|not)(?![A-Za-z]))", re.IGNORECASE)


def parse_yes_no(text: str) -> bool:
    """A yes or a no in the words people use ("有的", "没有新品", "yes", "no"); anything else is asked again."""
    answer = (text or "").strip().lstrip("/")
    if _NO.match(answer):
        return False
    if _YES.match(answer):
        return True
    raise FieldError("请回答“是”或“否”。", "Please answer “yes” or “no”.")
