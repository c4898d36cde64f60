"""Migration scripts are run a statement at a time inside the migration's own transaction."""

from __future__ import annotations

import sqlite3

import pytest

from storage.migrations import BrokenMigration, migration_files, sql_statements


def test_a_script_is_split_only_where_a_statement_really_ends() -> None:
    script = (
        "-- a header; with a semicolon\n"
        "CREATE TABLE t (x TEXT DEFAULT 'a;b');\n"
        "/* c; */ CREATE TRIGGER t_copy AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n"
        "-- the end\n"
    )
    statements = list(sql_statements(script))
    assert len(statements) == 2
    assert statements[0].strip().endswith("DEFAULT 'a;b');")
    assert statements[1].strip().endswith("SELECT 2; END;")


def test_a_script_cut_short_is_refused() -> None:
    with pytest.raises(BrokenMigration, match="ends inside a statement"):
        list(sql_statements("CREATE TABLE t (x);\nCREATE TABLE u (y"))


def test_the_shipped_migrations_split_into_what_executescript_would_run() -> None:
    whole, split = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for _, path in migration_files():
        if path.suffix != ".sql":
            continue  # a Python step (0004) runs its own statements
        script = path.read_text(encoding="utf-8")
        whole.executescript(script)
        for statement in sql_statements(script):
            split.execute(statement)
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    assert split.execute(schema).fetchall() == whole.execute(schema).fetchall()
    assert len(whole.execute(schema).fetchall()) > 10
