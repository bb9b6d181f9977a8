"""Upserts on both engines: a later row replaces the stored one by its whole primary key, composite too."""

from __future__ import annotations

import peewee as pw

from leadgen_desktop.db.database import insert_in_batches
from leadgen_desktop.db.store import Store


def test_a_composite_key_is_replaced_row_by_row_and_a_batch_naming_a_key_twice_keeps_the_last(
    store: Store,
) -> None:
    db = store.db
    with db.transaction():
        db.connection.execute_sql(
            'CREATE TABLE "pairs" ("a" TEXT NOT NULL, "b" TEXT NOT NULL, "v" TEXT NOT NULL, '
            'PRIMARY KEY ("a", "b"))'
        )

    class Pair(pw.Model):
        a = pw.TextField()
        b = pw.TextField()
        v = pw.TextField()

        class Meta:
            database = db.connection
            table_name = "pairs"
            primary_key = pw.CompositeKey("a", "b")

    with db.transaction():
        insert_in_batches(
            Pair,
            [
                {"a": "x", "b": "1", "v": "old"},
                {"a": "x", "b": "2", "v": "old"},
                {"a": "x", "b": "1", "v": "new"},
            ],
            on_conflict="replace",
        )
    with db.transaction():
        insert_in_batches(
            Pair, [{"a": "x", "b": "2", "v": "newer"}, {"a": "y", "b": "1", "v": "y"}], on_conflict="replace"
        )
    with db.reading():
        rows = sorted(db.tuples(Pair.select(Pair.a, Pair.b, Pair.v)))
    assert rows == [("x", "1", "new"), ("x", "2", "newer"), ("y", "1", "y")]
