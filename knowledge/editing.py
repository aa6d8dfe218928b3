"""Editing one item of a snapshot the way staff would edit its file: only that item's YAML block changes.

The console's knowledge editor (bot/console/views/editor.py) changes the fields staff change — titles, answers,
detail texts, example questions, keywords, sources — through a form. Rewriting a whole file from parsed data would
lose its comments and reflow every other item, so the new version's diff would be noise. Instead the item's block
(from its `- id:` line, found by the item's `origin`, to the line before the next entry at its indentation) is
read with ruamel.yaml's round-trip loader, the changed fields are set, and the block is written back in place:
comments inside the block, quoting and flow lists of unchanged fields, and every byte outside the block stay as they
were. Validation is not done here: the snapshot goes through `load_snapshot` (the versions service does that on
save), which reports every problem by file, line and field.

New items are written the same way (`new_item`: a block built from the form, put after the last item of its file),
and a deleted item's block is cut out (`remove_item`); nothing else in the file moves.

Measures (`policy:N`) are not editable: they quote the policy document verbatim.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from typing import Any, Mapping

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

from knowledge.items import Item
from knowledge.snapshot import Snapshot
from knowledge.yamlfile import KnowledgeError, Problem

#: Characters a block scalar cannot hold (YAML's non-printable ones, tabs and line breaks aside).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Field:
    """One field of an item's form.

    `key` is the YAML key, and the form's field name (with `.zh` / `.en` for a bilingual one, `.country` … for the
    entity tags), so a problem the loader reports ("faq:x: answer.zh has 320 characters…") is shown beside the field
    it names. `shape`: "text" (one line per part), "long" (paragraphs per part), "lines" (a list per part, one entry a
    line), "list" (one list, one entry a line) or "single" (one line of text). `parts`: the sub-keys of a field with
    parts, and their labels: the languages, or the entities.
    """

    key: str
    label: str
    shape: str
    required: bool = True
    parts: tuple[tuple[str, str], ...] = (("zh", "中文"), ("en", "English"))

    @property
    def bilingual(self) -> bool:
        """Whether the field has parts (a mapping in the file), as bilingual texts have."""
        return self.shape in ("text", "long", "lines")

    def names(self) -> tuple[str, ...]:
        return tuple(f"{self.key}.{part}" for part, _ in self.parts) if self.bilingual else (self.key,)


_TITLE = Field("title", "标题", "text")
_QUESTIONS = Field("questions", "示例问法（每行一个）", "lines", required=False)
_KEYWORDS = Field("keywords", "关键词（每行一个）", "lines")
_SOURCES = Field("sources", "来源（每行一条）", "list")
_MEASURES = Field("policy", "相关政策措施（每行一个，如 policy:5）", "list")
#: The entity tags the search weighs: canonical values of the vocabulary, one a line.
_TAGS = Field(
    "tags",
    "实体标签（每行一个，须为词表中的规范值）",
    "lines",
    required=False,
    parts=(("country", "国家/地区"), ("ip_type", "知识产权类型"), ("dispute_type", "纠纷类型"), ("industry", "行业")),
)


def _answered(measures: Field) -> tuple[Field, ...]:
    """A FAQ entry's and a referral's fields (a referral need not name measures)."""
    return (
        _TITLE,
        Field("answer", "简短答复", "long"),
        Field("text", "详细说明（“更多”按钮）", "long", required=False),
        _QUESTIONS,
        _KEYWORDS,
        _TAGS,
        measures,
        _SOURCES,
    )


#: The fields of each editable kind, in the order the form shows them.
FIELDS: dict[str, tuple[Field, ...]] = {
    "faq": _answered(_MEASURES),
    "referral": _answered(Field(_MEASURES.key, _MEASURES.label, "list", required=False)),
    "case": (
        _TITLE,
        Field("summary", "案情概要", "long"),
        Field("outcome", "结果", "long"),
        Field("lessons", "启示", "long"),
        _QUESTIONS,
        Field("keywords", "关键词（每行一个）", "lines", required=False),
        _TAGS,
        _MEASURES,
        Field("source", "来源", "single"),
    ),
    "checklist": (
        _TITLE,
        Field("summary", "简短答复", "long"),
        Field("rights", "带上哪些权利", "long"),
        Field("search", "展前检索", "long"),
        Field("documents", "带齐材料", "long"),
        Field("if_served", "在展台被投诉或送达文件时", "long"),
        _MEASURES,
        _SOURCES,
    ),
}


#: The fields a new item has beside its kind's form: set once, when it is created (the loader requires them).
_INTENTS = Field("intents", "NLU 意图（每行一个，如 ask_337_timeline）", "list")
CREATE_FIELDS: dict[str, tuple[Field, ...]] = {
    "faq": (_INTENTS,),
    "referral": (_INTENTS,),
    "case": (Field("illustrative", "示例案例（为说明而写，不是真实案例）", "flag"),),
    "checklist": (Field("countries", "适用国家（每行一个，须为词表中的国家）", "list"),),
}
#: The file each kind is written to (a FAQ entry: one of the files under faq/, chosen in the form).
KIND_FILES = {"case": "cases.yml", "referral": "referrals.yml", "checklist": "exhibitions.yml"}
#: An id as the loader accepts it: `kind:lower-case-words`.
ID_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def editable(item: Item) -> bool:
    return item.kind in FIELDS and ":" in item.origin


def takes_questions(item: Item) -> bool:
    """Whether the item's form has example questions (a pre-show checklist has none: it is found by country)."""
    return editable(item) and any(field.key == _QUESTIONS.key for field in FIELDS[item.kind])


@dataclass(frozen=True)
class Block:
    """Where an item is written: its file, its lines [start, end) (0-based) and the column of its `- `."""

    path: str
    start: int
    end: int
    column: int


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, quotes and flow styles kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never reflow a line staff wrapped (or did not)
    yaml.indent(mapping=2, sequence=4, offset=2)  # the knowledge files' style
    return yaml


def find_block(snapshot: Mapping[str, str], item: Item) -> Block:
    """The lines of `item`'s entry in its file. Trailing blank lines and comments (a heading for the next entries)
    are not part of it."""
    path, _, number = item.origin.rpartition(":")
    if path not in snapshot or not number.isdigit():
        raise KnowledgeError([Problem(path or item.id, 1, f"{item.id}: where it is written is unknown")])
    lines = snapshot[path].splitlines(keepends=True)
    start = int(number) - 1
    first = lines[start] if 0 <= start < len(lines) else ""
    column = len(first) - len(first.lstrip(" "))
    if not first[column:].startswith("- "):
        raise KnowledgeError([Problem(path, start + 1, f"{item.id}: the entry does not start with '- ' here")])
    end = start + 1
    while end < len(lines):
        stripped = lines[end].strip()
        if stripped and not stripped.startswith("#") and len(lines[end]) - len(lines[end].lstrip(" ")) <= column:
            break
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].strip().startswith("#")):
        end -= 1
    return Block(path, start, end, column)


def _read_block(snapshot: Mapping[str, str], block: Block) -> CommentedMap:
    lines = snapshot[block.path].splitlines(keepends=True)[block.start : block.end]
    inner = block.column + 2
    body = "".join(line[inner:] if line.strip() else line.lstrip(" ") for line in lines)
    data = _yaml().load(body)
    if not isinstance(data, CommentedMap):
        raise KnowledgeError([Problem(block.path, block.start + 1, "the entry is not a mapping")])
    return data


def _write_block(data: CommentedMap, block: Block) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    indent = " " * (block.column + 2)
    lines = out.getvalue().splitlines(keepends=True)
    return "".join(
        (" " * block.column + "- " if position == 0 else (indent if line.strip() else "")) + line
        for position, line in enumerate(lines)
    )


def _as_lines(value: Any) -> str:
    return "\n".join(str(entry) for entry in value) if isinstance(value, list) else ""


def form_values(snapshot: Mapping[str, str], item: Item) -> dict[str, str]:
    """The form's fields as the file has them (the file, not the loaded item: a checklist's text is built from its
    sections, a case's answer is its summary)."""
    data = _read_block(snapshot, find_block(snapshot, item))
    values: dict[str, str] = {}
    for field in FIELDS[item.kind]:
        raw = data.get(field.key)
        if field.bilingual:
            table = raw if isinstance(raw, dict) else {}
            for part, _ in field.parts:
                entry = table.get(part)
                values[f"{field.key}.{part}"] = (
                    _as_lines(entry) if field.shape == "lines" else ("" if entry is None else str(entry))
                )
        elif field.shape == "list":
            values[field.key] = _as_lines(raw)
        else:
            values[field.key] = "" if raw is None else str(raw)
    return values


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def _entries(text: str) -> list[str]:
    return [line.strip() for line in _clean(text).split("\n") if line.strip()]


def _reads_back(text: str) -> bool:
    """Whether `text`, written plain, is read back as the same text by the loader's YAML 1.1 parser (PyYAML): "yes",
    "1.0", "2026-12-05", "null" or "[x]" are not, and ruamel.yaml, a YAML 1.2 writer, would write some of them plain."""
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _quoted_if_needed(text: str) -> Any:
    return text if _reads_back(text) else DoubleQuotedScalarString(text)


def _scalar(new: str, old: Any) -> Any:
    """The new text in the style the old one had: `>-` stays folded; a text with line breaks becomes a `|` block;
    a text that would not read back as itself (or has control characters) is double-quoted, with escapes."""
    if _UNPRINTABLE.search(new):
        return DoubleQuotedScalarString(new)
    if "\n" in new:
        return LiteralScalarString(new)
    if isinstance(old, (FoldedScalarString, LiteralScalarString)) or len(new) > 100:
        return FoldedScalarString(new)
    return _quoted_if_needed(new)


def _seq(entries: list[str], old: Any) -> CommentedSeq:
    seq = CommentedSeq(_quoted_if_needed(entry) for entry in entries)
    if isinstance(old, CommentedSeq) and old.fa.flow_style():
        seq.fa.set_flow_style()
    else:
        seq.fa.set_block_style()
    return seq


def _set_text(table: CommentedMap, key: str, new: str) -> None:
    """Set `table[key]` to `new` unless it already says that (then the original scalar, with its style, stays)."""
    old = table.get(key)
    if old is not None and _clean(str(old)) == new:
        return
    table[key] = _scalar(new, old)


def _set_list(table: CommentedMap, key: str, entries: list[str], *, keep_empty: bool) -> None:
    old = table.get(key)
    if isinstance(old, list) and [str(entry).strip() for entry in old] == entries:
        return
    if not entries and not keep_empty:
        table.pop(key, None)
        return
    table[key] = _seq(entries, old)


def _apply(data: CommentedMap, field: Field, values: Mapping[str, str]) -> None:
    if not field.bilingual:
        if field.shape == "list":
            _set_list(data, field.key, _entries(values.get(field.key, "")), keep_empty=field.required)
        else:
            _set_text(data, field.key, _clean(values.get(field.key, "")))
        return
    typed = {part: values.get(f"{field.key}.{part}", "") for part, _ in field.parts}
    if not field.required and not any(_clean(text) for text in typed.values()):
        data.pop(field.key, None)  # an optional field emptied: the entry no longer has it
        return
    table = data.get(field.key)
    if not isinstance(table, CommentedMap):
        table = CommentedMap()
        data[field.key] = table
    for part, text in typed.items():
        if field.shape == "lines":
            _set_list(table, part, _entries(text), keep_empty=field.required)
        else:
            _set_text(table, part, _clean(text))


def edit_item(snapshot: Mapping[str, str], item: Item, values: Mapping[str, str]) -> Snapshot:
    """A copy of `snapshot` with `item`'s entry changed to the form's `values` (every field of its kind; a field
    left out of `values` is emptied). Only the lines of the entry change. Not validated: load the result."""
    if not editable(item):
        raise KnowledgeError([Problem(item.origin or item.id, 1, f"{item.id}: a {item.kind} item is not editable")])
    block = find_block(snapshot, item)
    data = _read_block(snapshot, block)
    for field in FIELDS[item.kind]:
        _apply(data, field, values)
    try:
        written = _write_block(data, block)
    except (YAMLError, ValueError) as error:  # a text YAML cannot hold: the person's input, said as such
        raise KnowledgeError([Problem(block.path, block.start + 1, f"{item.id}: cannot be written as YAML: {error}")])
    lines = snapshot[block.path].splitlines(keepends=True)
    text = "".join(lines[: block.start]) + written + "".join(lines[block.end :])
    return {**snapshot, block.path: text}


def item_lines(snapshot: Mapping[str, str], item: Item) -> list[str]:
    """The lines of `item`'s block as written (with their line ends), dedented to column 0: what a merge copies."""
    block = find_block(snapshot, item)
    lines = snapshot[block.path].splitlines(keepends=True)[block.start : block.end]
    return [line[block.column :] if line.strip() else line for line in lines]


def _indented(lines: list[str], column: int) -> str:
    text = "".join((" " * column + line) if line.strip() else line for line in lines)
    return text if text.endswith("\n") else text + "\n"


def put_after(snapshot: Mapping[str, str], path: str, last: Item | None, lines: list[str]) -> Snapshot:
    """`lines` (a block at column 0) written after `last`'s block in `path`, a blank line between, at `last`'s
    column; at the end of the file when the file has no item."""
    text = snapshot.get(path, "")
    if last is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        return {**snapshot, path: body + ("\n" if body.strip() else "") + _indented(lines, 0)}
    block = find_block(snapshot, last)
    old = text.splitlines(keepends=True)
    before = "".join(old[: block.end])
    if not before.endswith("\n"):
        before += "\n"
    return {**snapshot, path: before + "\n" + _indented(lines, block.column) + "".join(old[block.end :])}


def replace_item(snapshot: Mapping[str, str], item: Item, lines: list[str]) -> Snapshot:
    """`item`'s block replaced by `lines` (a block at column 0, from another version), at the same column."""
    block = find_block(snapshot, item)
    old = snapshot[block.path].splitlines(keepends=True)
    text = "".join(old[: block.start]) + _indented(lines, block.column) + "".join(old[block.end :])
    return {**snapshot, block.path: text}


def remove_item(snapshot: Mapping[str, str], item: Item) -> Snapshot:
    """`snapshot` without `item`'s block (and the blank line that separated it); every other line stays."""
    block = find_block(snapshot, item)
    old = snapshot[block.path].splitlines(keepends=True)
    start, end = block.start, block.end
    if end < len(old) and not old[end].strip():
        end += 1  # the blank line after it
    elif start > 0 and not old[start - 1].strip():
        start -= 1  # the last item of its list: the blank line before it
    return {**snapshot, block.path: "".join(old[:start] + old[end:])}


def last_item_in(kb_items: Mapping[str, Item], path: str, kind: str) -> Item | None:
    """The item of `kind` written last in `path`: a new one goes after it."""
    found = [item for item in kb_items.values() if item.kind == kind and item.origin.rpartition(":")[0] == path]
    return max(found, key=lambda item: int(item.origin.rpartition(":")[2] or 0), default=None)


def new_item(
    snapshot: Mapping[str, str],
    kb_items: Mapping[str, Item],
    kind: str,
    path: str,
    item_id: str,
    values: Mapping[str, str],
    checked: datetime.date,
) -> Snapshot:
    """A copy of `snapshot` with a new item of `kind` written after the last item of its kind in `path`: its id, the
    form's `values` (the kind's fields and its `CREATE_FIELDS`) and `checked`. Not validated: load the result."""
    if kind not in CREATE_FIELDS:
        raise KnowledgeError([Problem(path, 1, f"{item_id}: a {kind} item cannot be created here")])
    data = CommentedMap()
    data["id"] = item_id
    for field in (*FIELDS[kind], *CREATE_FIELDS[kind]):
        if field.shape == "flag":
            data[field.key] = values.get(field.key, "") in ("1", "true", "on")
        else:
            _apply(data, field, values)
    data["checked"] = checked
    try:
        written = _write_block(data, Block(path, 0, 0, 0))
    except (YAMLError, ValueError) as error:
        raise KnowledgeError([Problem(path, 1, f"{item_id}: cannot be written as YAML: {error}")])
    return put_after(snapshot, path, last_item_in(kb_items, path, kind), written.splitlines(keepends=True))


def problems_by_field(item: Item, problems: list[Problem]) -> tuple[dict[str, str], list[str]]:
    """The loader's problems split into those about one of the item's fields (form field name → message) and the
    rest (shown above the form)."""
    return problems_by_name(item.id, [name for field in FIELDS.get(item.kind, ()) for name in field.names()], problems)


def problems_by_name(item_id: str, names: list[str], problems: list[Problem]) -> tuple[dict[str, str], list[str]]:
    """`problems_by_field` for the form field `names` of the item `item_id` (a new item's form has more fields)."""
    prefix = f"{item_id}: "
    by_field: dict[str, str] = {}
    rest: list[str] = []
    for problem in problems:
        message = problem.message
        about = message[len(prefix) :] if message.startswith(prefix) else ""
        # the most specific name first: "answer.zh" before "answer"
        name = next((n for n in sorted(names, key=len, reverse=True) if about.startswith(n)), None)
        if name is None:
            name = next((n for n in names if about.startswith(n.split(".")[0] + " ")), None)
        if name is not None:
            by_field[name] = (by_field[name] + "；" if name in by_field else "") + about
        else:
            rest.append(str(problem))
    return by_field, rest
