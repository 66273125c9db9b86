"""The serve command's pieces without a server: metadata merge, Datasette arguments, plugin functions."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import yaml

from gkcrawl.publish.serve import DEFAULT_METADATA, PLUGINS_DIR, ServeOptions, build_metadata, datasette_command


def load_plugin():
    spec = importlib.util.spec_from_file_location("gkcrawl_publish", PLUGINS_DIR / "gkcrawl_publish.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_metadata_follows_the_database_name_and_labels_wide_views(tmp_path: Path) -> None:
    options = ServeOptions(db_path=tmp_path / "gkcrawl-2025-01-01.db")
    metadata = build_metadata(options, tmp_path / "snapshots")
    assert list(metadata["databases"]) == ["gkcrawl-2025-01-01"]
    assert "/gkcrawl-2025-01-01/applications_per_year" in metadata["description_html"]
    columns = metadata["databases"]["gkcrawl-2025-01-01"]["tables"]["appeals_wide"]["columns"]
    assert "行政复议" in columns["review__upheld"] and "结果维持" in columns["review__upheld"]
    assert metadata["plugins"]["gkcrawl"]["snapshots_dir"] == str(tmp_path / "snapshots")


def test_every_table_and_view_in_the_schema_is_described() -> None:
    from gkcrawl.archive.schema import TABLES, view_sql

    tables = yaml.safe_load(DEFAULT_METADATA.read_text(encoding="utf-8"))["databases"]["gkcrawl"]["tables"]
    for name in [*TABLES, *view_sql()]:
        assert tables[name].get("description") or tables[name].get("hidden"), name


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; this loader refuses them."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    keys = [loader.construct_object(key) for key, _ in node.value]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    assert not repeated, f"keys given twice at line {node.start_mark.line + 1}: {repeated}"
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def test_metadata_gives_no_key_twice() -> None:
    """A second `derivations:` once silently replaced the first; an edit to one copy would be lost."""
    yaml.load(DEFAULT_METADATA.read_text(encoding="utf-8"), _UniqueKeyLoader)


def test_datasette_runs_read_only_with_a_time_limit(tmp_path: Path) -> None:
    options = ServeOptions(db_path=tmp_path / "gkcrawl.db", port=9999)
    command = datasette_command(options, tmp_path / "m.json", tmp_path / "snapshots")
    # A read-only WAL reader, not immutable: a crawl may be writing the file (tests/test_serve_live.py).
    assert str(tmp_path / "gkcrawl.db") in command and "-i" not in command
    settings = {command[i + 1]: command[i + 2] for i, arg in enumerate(command) if arg == "--setting"}
    assert settings["sql_time_limit_ms"] == "3000" and settings["allow_download"] == "on"
    assert command[command.index("--host") + 1] == "127.0.0.1"


def test_search_box_text_becomes_the_index_query_and_longer_words_are_checked() -> None:
    plugin = load_plugin()
    conn = sqlite3.connect(":memory:")
    plugin.prepare_connection(conn)
    assert conn.execute("select escape_fts('行政 復議')").fetchone()[0] == '"行政" "复议"'
    assert conn.execute("select chars_match('行政复议')").fetchone()[0] == '"行政" "政复" "复议"'
    assert conn.execute("select escape_fts('\"')").fetchone()[0] == '""'
    conn.execute("create virtual table t using fts5(chars, content='', detail=none)")
    conn.execute("insert into t (rowid, chars) values (1, '发 生 行 政 复 议 两 起 发生 生行 行政 政复 复议 议两 两起')")
    assert conn.execute("select count(*) from t where t match escape_fts('复议')").fetchone()[0] == 1
    assert conn.execute("select count(*) from t where t match escape_fts('\"')").fetchone()[0] == 0
    text = "行政工作，政复考核，复议申请"  # every pair of 行政复议, never the word
    assert conn.execute("select chars_contain('', '', '', ?, '行政复议')", [text]).fetchone()[0] == 0
    assert conn.execute("select chars_contain('', '', '', ?, '政复考核')", [text]).fetchone()[0] == 1
    assert conn.execute("select chars_contain('', '', '', '行政復\n議', '行政复议')").fetchone()[0] == 1
