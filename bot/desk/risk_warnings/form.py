"""What staff type: a warning as the console's form or an import row gives it, checked field by field and put
in canonical form (`WarningDraft`), or refused with every field's reason (`WarningFormError`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from bot.desk import spreadsheets
from bot.desk.fields import FieldError, FormError, clean_text, strip_control
from bot.desk.risk_warnings.criteria import DIMENSIONS, MAX_PRODUCT
from knowledge.vocabulary import Vocabulary

MAX_TITLE = 200
MAX_TEXT = 8_000
MAX_SOURCE = 300
MAX_PRODUCTS = 20
IMPORT_FIELDS = (
    "title",
    "text",
    "title_en",
    "text_en",
    "countries",
    "industries",
    "ip_types",
    "products",
    "source",
    "published_on",
    "valid_until",
    "illustrative",
)


FIELD_LABELS = {
    "title": "标题",
    "text": "正文",
    "title_en": "英文标题",
    "text_en": "英文正文",
    "countries": "国家/地区",
    "industries": "行业",
    "ip_types": "知识产权类型",
    "products": "产品",
    "source": "来源",
    "published_on": "发布日期",
    "valid_until": "有效期至",
    "illustrative": "示例",
}


class WarningFormError(FormError):
    """What is wrong with a warning as typed (the console's form, an import row)."""


@dataclass(frozen=True)
class WarningDraft:
    """A warning as staff typed it, checked and in canonical form."""

    title: str
    text: str
    source: str
    published_on: date
    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ip_types: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    title_en: str | None = None
    text_en: str | None = None
    valid_until: date | None = None
    illustrative: bool = False

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, vocabulary: Vocabulary, today: date) -> "WarningDraft":
        """Check every field; lists may be lists or text separated by 、 ; or commas; dates ISO (2026-12-05)."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {}

        def text(name: str, limit: int, *, required: bool) -> None:
            raw = spreadsheets.text(values.get(name))
            clean[name] = None
            if raw is None:
                if required:
                    errors[name] = f"请填写{FIELD_LABELS[name]}"
                return
            try:
                clean[name] = clean_text(raw, max_length=limit, what=(FIELD_LABELS[name], name))
            except FieldError as error:
                errors[name] = error.zh

        text("title", MAX_TITLE, required=True)
        text("text", MAX_TEXT, required=True)
        text("source", MAX_SOURCE, required=True)
        text("title_en", MAX_TITLE, required=False)
        text("text_en", MAX_TEXT, required=False)
        if bool(clean["title_en"]) != bool(clean["text_en"]) and not {"title_en", "text_en"} & errors.keys():
            errors["title_en" if not clean["title_en"] else "text_en"] = "英文标题和英文正文要么都填，要么都不填"
        for name, entity, _ in DIMENSIONS:
            canonical, unknown = [], []
            for item in spreadsheets.items(values.get(name)):
                value = vocabulary.canonical(entity, item)
                if value is None:
                    unknown.append(item)
                elif value not in canonical:
                    canonical.append(value)
            if unknown:
                errors[name] = (
                    f"不认识的{FIELD_LABELS[name]}：{'、'.join(unknown)}（可用的值见 knowledge/data/vocabulary.yml）"
                )
            clean[name] = tuple(canonical)
        products = list(
            dict.fromkeys(
                p for p in (strip_control(item).strip() for item in spreadsheets.items(values.get("products"))) if p
            )
        )
        if len(products) > MAX_PRODUCTS:
            errors["products"] = f"产品最多 {MAX_PRODUCTS} 个"
        elif any(len(p) > MAX_PRODUCT for p in products):
            errors["products"] = f"每个产品名称不超过 {MAX_PRODUCT} 个字"
        clean["products"] = tuple(products)
        clean["published_on"] = _date(values.get("published_on"), "published_on", errors) or today
        clean["valid_until"] = _date(values.get("valid_until"), "valid_until", errors)
        if "published_on" not in errors and clean["published_on"] > today:
            errors["published_on"] = "发布日期不能晚于今天"
        if clean["valid_until"] is not None and "valid_until" not in errors:
            if clean["valid_until"] < clean["published_on"]:
                errors["valid_until"] = "有效期不能早于发布日期"
            elif clean["valid_until"] < today:
                errors["valid_until"] = "有效期已过：已到期的预警不会再推送，也不会出现在查询结果里"
        illustrative = spreadsheets.flag(values.get("illustrative"), False)
        if illustrative is None:
            errors["illustrative"] = "请填写 是/否"
        clean["illustrative"] = bool(illustrative)
        if errors:
            raise WarningFormError(errors)
        return cls(**clean)


def _date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = spreadsheets.text(value)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{FIELD_LABELS[name]}的格式应为 2026-12-05"
        return None
