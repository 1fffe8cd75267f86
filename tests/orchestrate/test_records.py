from __future__ import annotations

from codeloop.orchestrate.records import parse_record, record_view


def test_parse_record_reads_key_value_lines_with_a_label_and_free_text() -> None:
    line = 'record 7: user=carol city="New York" amount=28.5 status=ok review: awful, want a refund'
    assert parse_record(line) == {
        "record": 7,
        "user": "carol",
        "city": "New York",
        "amount": 28.5,
        "status": "ok",
        "review": "awful, want a refund",
    }
    assert parse_record('{"a": 1}') == {"a": 1}
    assert parse_record("just one=pair here") is None
    assert parse_record("[1, 2]") is None


def test_record_view_only_for_line_records() -> None:
    assert record_view("plain prose\nwith no fields at all\n") is None
    assert record_view({"a": 1}) is None
    lines = "".join(f"id={i} kind={'xy'[i % 2]}\n" for i in range(50)) + "a stray line\n"
    view = record_view(lines)
    assert view is not None
    assert view.keys == ["id", "kind"]
    assert "kind (str): one of 'x', 'y'" in view.describe()
    namespace: dict[str, object] = {"context": lines}
    exec(view.prelude, namespace)  # the prelude the sandbox runs, here in-process
    assert namespace["records"] == [{"id": i, "kind": "xy"[i % 2]} for i in range(50)]
