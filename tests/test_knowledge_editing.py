"""Editing one item through the console's form fields (knowledge/editing.py): only that item's lines change, every
other byte of every file stays, and what the loader refuses is named by the form field it is about."""

from __future__ import annotations

import pytest

from knowledge.editing import FIELDS, edit_item, editable, find_block, form_values, problems_by_field
from knowledge.snapshot import diff, load_snapshot, read_snapshot
from knowledge.yamlfile import KnowledgeError


@pytest.fixture(scope="module")
def seed():
    files = read_snapshot()
    return files, load_snapshot(files)


def test_saving_every_item_unchanged_gives_back_the_files_byte_for_byte(seed):
    files, kb = seed
    edited = [item for item in kb.items.values() if editable(item)]
    assert {item.kind for item in edited} == set(FIELDS)
    for item in edited:
        assert edit_item(files, item, form_values(files, item)) == files, item.id


def test_a_changed_answer_changes_only_its_line_and_only_that_item(seed):
    files, kb = seed
    item = kb.items["faq:337-what"]
    values = form_values(files, item)
    values["answer.zh"] = values["answer.zh"].replace("送达后20天", "送达后30天")
    values["keywords.en"] += "\nresponse deadline"
    new = edit_item(files, item, values)
    changed = [path for path in files if new[path] != files[path]]
    assert changed == ["faq/us_disputes.yml"]
    old_lines, new_lines = files[changed[0]].splitlines(), new[changed[0]].splitlines()
    assert len(old_lines) == len(new_lines)
    differing = [n for n, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    block = find_block(files, item)
    assert len(differing) == 2 and all(block.start <= n < block.end for n in differing)
    reloaded = load_snapshot(new)
    assert diff(kb, reloaded).changed == ["faq:337-what"]
    assert "送达后30天" in reloaded.items["faq:337-what"].answer.zh
    assert "response deadline" in reloaded.items["faq:337-what"].keywords_en


def test_an_emptied_optional_field_is_removed_and_an_emptied_required_one_is_named(seed):
    files, kb = seed
    item = kb.items["faq:337-what"]
    values = form_values(files, item) | {"text.zh": "", "text.en": ""}
    assert load_snapshot(edit_item(files, item, values)).items[item.id].text.zh == ""
    values |= {"answer.zh": "", "title.en": "  "}
    with pytest.raises(KnowledgeError) as refused:
        load_snapshot(edit_item(files, item, values))
    by_field, rest = problems_by_field(item, refused.value.problems)
    assert set(by_field) == {"answer.zh", "title.en"} and rest == []


def test_cases_and_checklists_keep_their_own_fields_and_measures_are_not_editable(seed):
    files, kb = seed
    case = kb.items["case:illustrative-337-default"]
    values = form_values(files, case)
    assert values["source"].startswith("示例") and "outcome.zh" in values
    values["lessons.en"] += " Keep the notice's envelope."
    assert load_snapshot(edit_item(files, case, values)).items[case.id].details["lessons"].en.endswith("envelope.")
    checklist = kb.items["checklist:germany"]
    values = form_values(files, checklist)
    values["documents.zh"] += "另备一份展品采购发票。"
    new = load_snapshot(edit_item(files, checklist, values)).items[checklist.id]
    assert "另备一份展品采购发票。" in new.text.zh
    with pytest.raises(KnowledgeError):
        edit_item(files, kb.items["policy:1"], {})


def test_the_measures_an_item_relates_to_are_edited_as_a_flow_list_and_checked(seed):
    files, kb = seed
    item = kb.items["faq:337-what"]
    values = form_values(files, item)
    assert values["policy"].splitlines() == ["policy:4", "policy:5", "policy:9", "policy:11"]
    new = edit_item(files, item, values | {"policy": "policy:5\npolicy:11"})
    assert "  policy: [policy:5, policy:11]\n" in new["faq/us_disputes.yml"]
    assert load_snapshot(new).items[item.id].policy == ("policy:5", "policy:11")
    with pytest.raises(KnowledgeError) as refused:
        load_snapshot(edit_item(files, item, values | {"policy": "policy:99"}))
    by_field, _ = problems_by_field(item, refused.value.problems)
    assert "is not a measure" in by_field["policy"]


def test_entity_tags_are_edited_per_entity_and_must_be_vocabulary_values(seed):
    files, kb = seed
    item = kb.items["faq:337-what"]
    values = form_values(files, item)
    assert values["tags.country"] == "美国" and values["tags.industry"] == ""
    new = load_snapshot(edit_item(files, item, values | {"tags.industry": "机械装备"}))
    assert new.items[item.id].tags["industry"] == ("机械装备",)
    assert dict(new.items[item.id].tags) == {**kb.items[item.id].tags, "industry": ("机械装备",)}
    with pytest.raises(KnowledgeError) as refused:
        load_snapshot(edit_item(files, item, values | {"tags.country": "亚特兰蒂斯"}))
    by_field, _ = problems_by_field(item, refused.value.problems)
    assert "亚特兰蒂斯" in by_field["tags.country"]
