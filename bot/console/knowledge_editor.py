"""What the console's knowledge editor does beside rendering: the version a page works on, an edit saved as a new
version, a preview that stores nothing, the retrieval test of a draft against the published knowledge, and the
changes of each version against the published one.

Versions are immutable, so a loaded `KnowledgeBase` is cached by the version's digest (the SHA-256 of its files):
the versions page compares many versions with the published one, and the retrieval test searches two of them, and
loading one costs a quarter of a second and its search index more.

The retrieval test reads each typed question with the running Rasa server's NLU when it can be asked (the intent
ranking and entities, as the chat reads it) and searches both knowledge bases with that reading; without Rasa it
searches the text alone, and the page says which. The dev and held-out sets are scored on the text alone (hundreds
of parses would hold the page up), which is enough to compare two versions; the page says so too.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from bot.desk.knowledge_versions import AlsoInTransaction, KnowledgeVersions, VersionRefused, Who
from bot.desk.schema import KnowledgeVersion
from knowledge.base import KnowledgeBase
from knowledge.editing import CREATE_FIELDS, ID_SLUG, KIND_FILES, edit_item, editable, form_values, new_item
from knowledge.editing import remove_item, takes_questions
from knowledge.evaluate import DEV_QUESTIONS, QUESTIONS, Question, cited_ranking, hit_at, load_questions
from knowledge.items import Item
from knowledge.loader import DATA_DIR
from knowledge.loader import FAQ_DIR
from knowledge.references import references
from knowledge.snapshot import KnowledgeDiff, Snapshot, diff, load_snapshot, read_snapshot

#: The most questions one retrieval test takes (each is two searches).
MAX_QUESTIONS = 30
#: The question sets the retrieval test scores, by label.
QUESTION_SETS = {"开发集 dev": DEV_QUESTIONS, "留出集 held-out": QUESTIONS}

#: The reason of the version that stores the repository's files before the first edit.
SEED_REASON = "仓库中的知识文件（第一次编辑前自动保存，可回滚到此版本）"
#: A question the gap queue kept that still carries a masked contact ("138****5678", "l***@example.com", "[电话]"):
#: no example question for everyone to read.
MASKED = re.compile(r"\*{3}|\[(?:电话|手机|邮箱|电子邮件|email|phone)\]", re.IGNORECASE)
#: The longest example question taken from the gap queue: a question as typed, not a pasted letter.
MAX_EXAMPLE = 120


@dataclass
class Examples:
    """Gap questions made example questions of an item: the form's values with them added, and what was left out
    and why (already there, a masked contact, too long)."""

    values: dict[str, str]
    added: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def example_questions(values: Mapping[str, str], questions: Sequence[tuple[str, str]]) -> Examples:
    """`values` (an item's form) with `questions` ((text, language) pairs) added to `questions.zh` / `questions.en`:
    each once, none the item already has, none with a masked contact or over `MAX_EXAMPLE` characters."""
    result = Examples(dict(values))
    offered: set[str] = set()
    for text, language in questions:
        name = "questions.en" if language == "en" else "questions.zh"
        have = [line.strip() for line in result.values.get(name, "").splitlines() if line.strip()]
        seen = {" ".join(line.split()).casefold() for line in have}
        question = " ".join(text.split())
        if not question or question.casefold() in offered:
            continue  # the same question asked again: one example, one note
        offered.add(question.casefold())
        if question.casefold() in seen:
            result.left_out.append((question, "条目中已有此问法"))
        elif MASKED.search(question):
            result.left_out.append((question, "含有遮盖的联系方式"))
        elif len(question) > MAX_EXAMPLE:
            result.left_out.append((question, f"超过 {MAX_EXAMPLE} 字"))
        else:
            result.values[name] = "\n".join([*have, question])
            result.added.append(question)
    return result


def item_id_problem(kb: KnowledgeBase, kind: str, item_id: str) -> str | None:
    """Why `item_id` cannot be a new item of `kind` (None: it can): the loader's `kind:lower-case-words`, unused."""
    prefix, _, slug = item_id.partition(":")
    if prefix != kind or not ID_SLUG.match(slug) or len(item_id) > 80:
        return f"编号应为 {kind}:小写英文单词（以连字符连接，如 {kind}:us-design-patent），不超过 80 字符。"
    if item_id in kb.items:
        return f"编号 {item_id} 已被使用。"
    return None


def kind_paths(files: Mapping[str, str], kind: str) -> list[str]:
    """The files a new item of `kind` may go into: its kind's file, or for a FAQ entry each FAQ file."""
    if kind == "faq":
        return sorted(path for path in files if path.startswith(f"{FAQ_DIR}/"))
    return [KIND_FILES[kind]] if KIND_FILES.get(kind) in files else []


@dataclass(frozen=True)
class Working:
    """The knowledge a page shows: a stored version, or the seed files while nothing is published."""

    version: KnowledgeVersion | None
    files: Snapshot
    kb: KnowledgeBase
    published: bool

    @property
    def id(self) -> int | None:
        return self.version.id if self.version is not None else None


@dataclass(frozen=True)
class Reading:
    """The NLU's reading of a question: its intent ranking and its entities as Rasa gives them (each knowledge base
    makes them canonical with its own vocabulary)."""

    ranking: dict[str, float]
    entities: list[dict[str, Any]]

    @classmethod
    def of(cls, parsed: Mapping[str, Any]) -> "Reading":
        ranking = {
            str(r["name"]): float(r["confidence"])
            for r in parsed.get("intent_ranking") or []
            if isinstance(r, dict) and r.get("name") and isinstance(r.get("confidence"), (int, float))
        }
        intent = parsed.get("intent") or {}
        if not ranking and isinstance(intent, dict) and intent.get("name"):
            ranking = {str(intent["name"]): float(intent.get("confidence") or 1.0)}
        entities = [e for e in parsed.get("entities") or [] if isinstance(e, dict)]
        return cls(ranking, entities)


def _search(kb: KnowledgeBase, question: str, reading: Reading | None) -> Item | None:
    if reading is None:
        hits = kb.search(question, limit=1)
    else:
        entities = kb.canonical_entities(reading.entities)
        hits = kb.search(question, intent=reading.ranking or None, entities=entities, limit=1)
    return hits[0].item if hits else None


@dataclass(frozen=True)
class Retrieved:
    """One question of the retrieval test: the item the search gives with the published knowledge and with the
    draft (None: nothing found)."""

    question: str
    now: Item | None
    draft: Item | None

    @property
    def changed(self) -> bool:
        return (self.now.id if self.now else None) != (self.draft.id if self.draft else None)


@dataclass(frozen=True)
class SetScore:
    """hit@1 of one question set, with the published knowledge and with the draft."""

    name: str
    questions: int
    now: float
    draft: float


class KnowledgeEditor:
    """The editor's operations over the versions service."""

    def __init__(self, versions: KnowledgeVersions, directory: Path = DATA_DIR) -> None:
        self.versions = versions
        self.directory = directory

    def working(self, version_id: int | None = None) -> Working:
        """Version `version_id`, or the published one (the seed files while none is). VersionRefused: unknown id."""
        published = self.versions.published()
        if version_id is None and published is None:
            files = read_snapshot(self.directory)
            return Working(None, files, load_snapshot(files), True)
        version = self.versions.version(version_id) if version_id is not None else published.version  # type: ignore[union-attr]
        is_published = published is not None and published.version.id == version.id
        return Working(version, dict(version.files), load_snapshot(version.files), is_published)

    def edited(self, base: Working, item_id: str, values: Mapping[str, str]) -> tuple[Snapshot, KnowledgeBase]:
        """The files with the item changed to `values`, and the knowledge they make. KnowledgeError: refused."""
        item = self._editable(base, item_id)
        files = edit_item(base.files, item, values)
        return files, load_snapshot(files)

    def save(
        self,
        base: Working,
        item_id: str,
        values: Mapping[str, str],
        who: Who,
        *,
        reason: str,
        proposed: bool = False,
        also: AlsoInTransaction = None,
    ) -> KnowledgeVersion:
        """The edit stored as a new (unpublished) version based on `base` (`proposed`: a staff proposal). `also` runs
        in the transaction that stores it. KnowledgeError or VersionRefused: nothing stored."""
        item = self._editable(base, item_id)
        return self._store(base, edit_item(base.files, item, values), who, reason, proposed, also)

    def create(
        self,
        base: Working,
        kind: str,
        path: str,
        item_id: str,
        values: Mapping[str, str],
        who: Who,
        *,
        reason: str,
        today: datetime.date,
        proposed: bool = False,
        also: AlsoInTransaction = None,
    ) -> KnowledgeVersion:
        """A new item of `kind` in `path`, stored as a new version based on `base`; its facts checked `today`.
        VersionRefused (a bad id or file) or KnowledgeError (the check's problems): nothing stored."""
        files = self.created(base, kind, path, item_id, values, today)
        return self._store(base, files, who, reason, proposed, also)

    def created(
        self, base: Working, kind: str, path: str, item_id: str, values: Mapping[str, str], today: datetime.date
    ) -> Snapshot:
        """The files with the new item written in, not yet validated. VersionRefused: a bad kind, id or file."""
        if kind not in CREATE_FIELDS:
            raise VersionRefused(f"不能新建此类条目：{kind}")
        problem = item_id_problem(base.kb, kind, item_id)
        if problem:
            raise VersionRefused(problem)
        if path not in kind_paths(base.files, kind):
            raise VersionRefused(f"{path} 不是可以写入{kind}条目的文件。")
        return new_item(base.files, base.kb.items, kind, path, item_id, values, today)

    def delete(self, base: Working, item_id: str, who: Who, *, reason: str) -> KnowledgeVersion:
        """A new version without the item. VersionRefused when something names it (the code, the evaluation sets,
        the NLU's data, another item) or it is not an editable item; nothing stored."""
        item = self._editable(base, item_id)
        named = references(base.kb, item_id)
        if named:
            places = "、".join(str(reference) for reference in named[:8])
            more = f" 等 {len(named)} 处" if len(named) > 8 else ""
            raise VersionRefused(f"不能删除 {item_id}：{places}{more} 引用了它。请先修改这些引用。")
        return self._store(base, remove_item(base.files, item), who, reason, False, None)

    def _store(
        self, base: Working, files: Snapshot, who: Who, reason: str, proposed: bool, also: AlsoInTransaction
    ) -> KnowledgeVersion:
        if files == base.files:
            raise VersionRefused("没有改动：与所依据的版本相同，未保存新版本。")
        load_snapshot(files)  # validated before anything is stored (the seed below included)
        based_on = base.id
        if base.version is None:
            # The first edit while the files are served: store them first, so that the edit can be rolled back.
            based_on = self.versions.save(base.files, who, reason=SEED_REASON).id
        return self.versions.save(files, who, reason=reason, based_on=based_on, proposed=proposed, also=also)

    def with_examples(self, base: Working, item_id: str, questions: Sequence[tuple[str, str]]) -> Examples:
        """The item's form with `questions` added as example questions (see `example_questions`)."""
        item = self._editable(base, item_id)
        if not takes_questions(item):
            raise VersionRefused(f"{item_id} 没有示例问题（展前清单按国家匹配）；请选择其他条目，或新建条目。")
        return example_questions(form_values(base.files, item), questions)

    @staticmethod
    def _editable(base: Working, item_id: str) -> Item:
        item = base.kb.get(item_id)
        if item is None or not editable(item):
            raise VersionRefused(f"{item_id} 不是可编辑的条目（政策措施原文只读）。")
        return item

    def changes(self, version: KnowledgeVersion, against: Working) -> KnowledgeDiff:
        """The items `version` adds, changes and removes compared with `against` (the published knowledge)."""
        return diff(against.kb, load_snapshot(version.files))

    @staticmethod
    def retrieval(
        now: KnowledgeBase, draft: KnowledgeBase, questions: list[str], readings: Mapping[str, Reading] | None = None
    ) -> list[Retrieved]:
        """The item each question gets now and with the draft, read by the NLU where `readings` has it."""
        readings = readings or {}
        return [
            Retrieved(
                question,
                _search(now, question, readings.get(question)),
                _search(draft, question, readings.get(question)),
            )
            for question in questions[:MAX_QUESTIONS]
        ]

    @staticmethod
    def scores(now: KnowledgeBase, draft: KnowledgeBase) -> list[SetScore]:
        """hit@1 of the dev and held-out questions, text only, with both knowledge bases."""
        result = []
        for name, path in QUESTION_SETS.items():
            questions: list[Question] = load_questions(path)
            result.append(
                SetScore(
                    name,
                    len(questions),
                    hit_at([(q, cited_ranking(now, q)) for q in questions], 1),
                    hit_at([(q, cited_ranking(draft, q)) for q in questions], 1),
                )
            )
        return result
