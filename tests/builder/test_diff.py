"""Structural diffs between two versions (builder/diff.py)."""

from __future__ import annotations

from builder.diff import Change, diff


def ops(old, new):
    return [c.as_dict() for c in diff(old, new)]


def test_equal_documents_have_no_changes():
    doc = {"a": [1, {"b": None}], "c": "x"}
    assert diff(doc, {"c": "x", "a": [1.0, {"b": None}]}) == []


def test_object_members_added_removed_and_replaced_in_sorted_order():
    assert ops({"b": 1, "c": {"x": 1}, "d": 4}, {"a": 0, "c": {"x": 2}, "d": 4}) == [
        {"op": "add", "path": "/a", "old": None, "new": 0},
        {"op": "remove", "path": "/b", "old": 1, "new": None},
        {"op": "replace", "path": "/c/x", "old": 1, "new": 2},
    ]


def test_plain_lists_compare_by_index():
    assert ops({"l": [1, 2, 3]}, {"l": [1, 5]}) == [
        {"op": "replace", "path": "/l/1", "old": 2, "new": 5},
        {"op": "remove", "path": "/l/2", "old": 3, "new": None},
    ]
    assert ops([1], [1, 2, 3]) == [
        {"op": "add", "path": "/1", "old": None, "new": 2},
        {"op": "add", "path": "/2", "old": None, "new": 3},
    ]


def test_nodes_with_ids_are_matched_by_id_not_position():
    old = {"nodes": [{"id": "start"}, {"id": "review", "name": "Review"}, {"id": "end"}]}
    new = {"nodes": [{"id": "review", "name": "Check"}, {"id": "end"}, {"id": "notify"}]}
    assert ops(old, new) == [
        {"op": "remove", "path": "/nodes/0", "old": {"id": "start"}, "new": None},
        {"op": "replace", "path": "/nodes/0/name", "old": "Review", "new": "Check"},
        {"op": "add", "path": "/nodes/2", "old": None, "new": {"id": "notify"}},
    ]


def test_reordering_identified_items_is_one_reorder_change():
    old = {"fields": [{"key": "a"}, {"key": "b"}, {"key": "c"}]}
    new = {"fields": [{"key": "c"}, {"key": "a"}, {"key": "b"}]}
    assert diff(old, new) == [
        Change("reorder", "/fields", old=["a", "b", "c"], new=["c", "a", "b"])
    ]


def test_duplicate_or_missing_ids_fall_back_to_index():
    old = [{"id": "a", "v": 1}, {"id": "a", "v": 2}]
    new = [{"id": "a", "v": 1}, {"id": "a", "v": 3}]
    assert ops(old, new) == [{"op": "replace", "path": "/1/v", "old": 2, "new": 3}]
    assert ops([{"v": 1}], [{"v": 2}]) == [{"op": "replace", "path": "/0/v", "old": 1, "new": 2}]


def test_type_changes_are_replacements_and_true_is_not_one():
    assert ops({"a": 1}, {"a": True}) == [{"op": "replace", "path": "/a", "old": 1, "new": True}]
    assert ops({"a": "1"}, {"a": 1}) == [{"op": "replace", "path": "/a", "old": "1", "new": 1}]
    assert ops({"a": [1]}, {"a": {"0": 1}}) == [
        {"op": "replace", "path": "/a", "old": [1], "new": {"0": 1}}
    ]


def test_pointer_tokens_are_escaped():
    assert ops({"a/b": 1, "m~n": 1}, {"a/b": 2, "m~n": 2}) == [
        {"op": "replace", "path": "/a~1b", "old": 1, "new": 2},
        {"op": "replace", "path": "/m~0n", "old": 1, "new": 2},
    ]


def test_whole_document_replacement_has_the_empty_pointer():
    assert diff(1, 2) == [Change("replace", "", old=1, new=2)]


def test_order_is_deterministic():
    old = {"z": 1, "a": 1, "m": [{"id": "x"}, {"id": "y"}]}
    new = {"a": 2, "m": [{"id": "y", "n": 1}], "z": 2}
    assert diff(old, new) == diff(dict(reversed(list(old.items()))), new)
    assert [c.path for c in diff(old, new)] == ["/a", "/m/0", "/m/0/n", "/z"]
