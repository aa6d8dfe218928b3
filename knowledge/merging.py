"""A draft carried onto a newer published version: an item-level three-way merge of knowledge snapshots.

A draft is edited from one version (its base); by the time it is published another version may be live, with
changes of its own (another draft published, a rollback). Publishing the draft as it is would silently undo those.
`compare` says, item by item, what each side changed since the base, which items both changed differently (the
same change made on both sides is no conflict), and what publishing the draft as it is would undo; when no item
conflicts, `merge` builds the published version plus the draft's changes: an item the draft changed is copied from
the draft (its YAML block, as written), one it added goes after the last item of its kind in its file, one it
removed is cut out. A file without items (the vocabulary) that only the draft changed is taken from the draft; one
both changed differently is a conflict. The result is checked: it loads, and against the published version it
changes exactly the items the draft changed and the published version does not already have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from knowledge.base import KnowledgeBase
from knowledge.editing import item_lines, last_item_in, put_after, remove_item, replace_item
from knowledge.snapshot import KnowledgeDiff, Snapshot, diff, load_snapshot, same_item
from knowledge.yamlfile import KnowledgeError, Problem


@dataclass(frozen=True)
class Divergence:
    """What a draft and the published version each changed since the draft's base."""

    ours: KnowledgeDiff  # base → draft
    theirs: KnowledgeDiff  # base → published
    both: list[str]  # items both sides changed, differently
    files: list[str]  # files without items both sides changed, differently
    undone: list[str]  # items and files without items the published version changed that the draft has otherwise

    @property
    def conflicts(self) -> bool:
        return bool(self.both or self.files)

    @property
    def would_undo(self) -> bool:
        """Whether publishing the draft as it is would undo something the published version changed."""
        return bool(self.undone)


def touched(change: KnowledgeDiff) -> set[str]:
    """The ids a diff adds, changes or removes."""
    return {*change.added, *change.changed, *change.removed}


def _item_paths(kb: KnowledgeBase) -> set[str]:
    return {item.origin.rpartition(":")[0] for item in kb.items.values()}


def compare(base: Mapping[str, str], draft: Mapping[str, str], published: Mapping[str, str]) -> Divergence:
    """Each side's changes since `base`, what both changed differently, and what the draft would undo."""
    base_kb, draft_kb, published_kb = load_snapshot(base), load_snapshot(draft), load_snapshot(published)
    ours, theirs = diff(base_kb, draft_kb), diff(base_kb, published_kb)

    def differ(item_id: str) -> bool:
        return not same_item(draft_kb.items.get(item_id), published_kb.items.get(item_id))

    with_items = _item_paths(base_kb) | _item_paths(draft_kb) | _item_paths(published_kb)
    plain = [path for path in sorted(set(base) | set(draft) | set(published)) if path not in with_items]
    theirs_files = [p for p in plain if published.get(p) != base.get(p) and draft.get(p) != published.get(p)]
    return Divergence(
        ours,
        theirs,
        both=sorted(item for item in touched(ours) & touched(theirs) if differ(item)),
        files=[path for path in theirs_files if draft.get(path) != base.get(path)],
        undone=sorted(item for item in touched(theirs) if differ(item)) + theirs_files,
    )


def merge(base: Mapping[str, str], draft: Mapping[str, str], published: Mapping[str, str]) -> Snapshot:
    """The published snapshot with the draft's changes since `base` applied item by item.

    Raises `KnowledgeError` naming the items (or files) changed differently on both sides, or when the result does
    not load or does not change exactly what it should; nothing is half-merged.
    """
    divergence = compare(base, draft, published)
    if divergence.conflicts:
        names = [*divergence.both, *divergence.files]
        raise KnowledgeError([Problem(name, 1, "changed in the draft and in the published version") for name in names])
    draft_kb, published_kb = load_snapshot(draft), load_snapshot(published)
    wanted = {i for i in touched(divergence.ours) if not same_item(draft_kb.items.get(i), published_kb.items.get(i))}
    merged: Snapshot = dict(published)
    for path in sorted(set(base) | set(draft)):
        if draft.get(path) == base.get(path) or published.get(path) != base.get(path):
            continue  # unchanged by the draft, or changed by both: item by item below
        if path in draft:
            merged[path] = draft[path]  # only the draft changed this file: its text, comments and all
        else:
            merged.pop(path, None)
    copied = {path for path in merged if merged.get(path) != published.get(path)}
    for item_id in sorted(wanted):
        mine = draft_kb.items.get(item_id)
        path = (mine.origin if mine else published_kb.items[item_id].origin).rpartition(":")[0]
        if path in copied:
            continue  # the whole file came from the draft
        current = load_snapshot(merged)  # positions move with each change; a handful of items per merge
        if mine is None:
            merged = remove_item(merged, current.items[item_id])
        elif item_id in current.items:
            merged = replace_item(merged, current.items[item_id], item_lines(draft, mine))
        else:
            merged = put_after(merged, path, last_item_in(current.items, path, mine.kind), item_lines(draft, mine))
    result = touched(diff(published_kb, load_snapshot(merged)))  # KnowledgeError: the merge does not load
    if result != wanted:
        raise KnowledgeError([Problem("(merge)", 1, f"the merge changes {sorted(result)}, expected {sorted(wanted)}")])
    return merged
