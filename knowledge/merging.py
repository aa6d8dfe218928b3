"""A draft carried onto a newer published version: an item-level three-way merge of knowledge snapshots.

A draft is edited from one version (its base); by the time it is published another version may be live, with
changes of its own (another draft published, a rollback). Publishing the draft as it is would silently undo those.
`compare` says, item by item, what each side changed since the base and which items changed on both; when none
did, `merge` builds the published version plus the draft's changes: an item only the draft changed is copied from
the draft (its YAML block, as written), one it added goes after the last item of its kind in its file, one it
removed is cut out. A file the draft changed and the published version did not is taken from the draft whole (the
vocabulary, say); a file both changed outside their items is a conflict. The result is checked: it loads, and
against the published version it changes exactly what the draft changed against its base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from knowledge.base import KnowledgeBase
from knowledge.editing import item_lines, last_item_in, put_after, remove_item, replace_item
from knowledge.snapshot import KnowledgeDiff, Snapshot, diff, load_snapshot
from knowledge.yamlfile import KnowledgeError, Problem


@dataclass(frozen=True)
class Divergence:
    """What a draft and the published version each changed since the draft's base."""

    ours: KnowledgeDiff  # base → draft
    theirs: KnowledgeDiff  # base → published
    both: list[str]  # items changed on both sides
    files: list[str]  # files without items both changed (no item-level merge for those)
    their_files: list[str]  # files without items the published version changed

    @property
    def conflicts(self) -> bool:
        return bool(self.both or self.files)

    @property
    def would_undo(self) -> bool:
        """Whether publishing the draft as it is would undo something the published version changed."""
        return not self.theirs.empty or bool(self.their_files)


def _touched(change: KnowledgeDiff) -> set[str]:
    return {*change.added, *change.changed, *change.removed}


def _item_paths(kb: KnowledgeBase) -> set[str]:
    return {item.origin.rpartition(":")[0] for item in kb.items.values()}


def compare(base: Mapping[str, str], draft: Mapping[str, str], published: Mapping[str, str]) -> Divergence:
    """Each side's changes since `base`, the items both changed, and the files without items both changed."""
    base_kb, draft_kb, published_kb = load_snapshot(base), load_snapshot(draft), load_snapshot(published)
    ours, theirs = diff(base_kb, draft_kb), diff(base_kb, published_kb)
    both = sorted(_touched(ours) & _touched(theirs))
    with_items = _item_paths(base_kb) | _item_paths(draft_kb) | _item_paths(published_kb)
    plain = [path for path in sorted(set(base) | set(draft) | set(published)) if path not in with_items]
    theirs_files = [path for path in plain if published.get(path) != base.get(path)]
    files = [path for path in theirs_files if draft.get(path) != base.get(path)]
    return Divergence(ours, theirs, both, files, theirs_files)


def merge(base: Mapping[str, str], draft: Mapping[str, str], published: Mapping[str, str]) -> Snapshot:
    """The published snapshot with the draft's changes since `base` applied item by item.

    Raises `KnowledgeError` naming the items (or files) changed on both sides, or when the result does not load or
    does not change exactly what the draft changed; nothing is half-merged.
    """
    divergence = compare(base, draft, published)
    if divergence.conflicts:
        names = [*divergence.both, *divergence.files]
        raise KnowledgeError([Problem(name, 1, "changed in the draft and in the published version") for name in names])
    draft_kb, published_kb = load_snapshot(draft), load_snapshot(published)
    merged: Snapshot = dict(published)
    ours = divergence.ours
    for path in sorted(set(base) | set(draft)):
        if draft.get(path) == base.get(path) or published.get(path) != base.get(path):
            continue  # unchanged by the draft, or changed by both: item by item below
        if path in draft:
            merged[path] = draft[path]  # only the draft changed this file: its text, comments and all
        else:
            merged.pop(path, None)
    copied = {path for path in merged if merged.get(path) != published.get(path)}
    for item_id in sorted(_touched(ours)):
        mine = draft_kb.items.get(item_id)
        path = (mine.origin if mine else published_kb.items[item_id].origin).rpartition(":")[0]
        if path in copied:
            continue  # the whole file came from the draft
        current = load_snapshot(merged)  # positions move with each change; a handful of items per merge
        if item_id in ours.removed:
            merged = remove_item(merged, current.items[item_id])
        elif item_id in ours.changed:
            assert mine is not None
            merged = replace_item(merged, current.items[item_id], item_lines(draft, mine))
        else:
            assert mine is not None
            merged = put_after(merged, path, last_item_in(current.items, path, mine.kind), item_lines(draft, mine))
    result = diff(published_kb, load_snapshot(merged))  # KnowledgeError: the merge does not load
    if _touched(result) != _touched(ours):
        raise KnowledgeError(
            [Problem("(merge)", 1, f"the merge changes {sorted(_touched(result))}, the draft {sorted(_touched(ours))}")]
        )
    return merged
