"""SQL over the store: views, parameters, read-only and sandboxed."""

from __future__ import annotations

import pytest

import pitchlens
from pitchlens.errors import QueryError, StoreError
from pitchlens.schema import TABLES
from pitchlens.store import Store
from tests.pitchlens.test_store import _sample


@pytest.fixture()
def store(tmp_path):
    st = Store(tmp_path / "store")
    st.commit("a", {"tracks": _sample(TABLES["tracks"], "a", 4), "matches": _sample(TABLES["matches"], "a", 1)})
    st.commit("b", {"tracks": _sample(TABLES["tracks"], "b", 2), "matches": _sample(TABLES["matches"], "b", 1)})
    return st.root


def test_views_over_all_matches(store):
    t = pitchlens.query("SELECT match_id, count(*) AS n FROM tracks GROUP BY 1 ORDER BY 1", store=store)
    assert t.to_pylist() == [{"match_id": "a", "n": 4}, {"match_id": "b", "n": 2}]
    assert t.to_pandas().shape == (2, 2)


def test_empty_tables_have_their_columns(store):
    t = pitchlens.query("SELECT * FROM pressing", store=store)
    assert t.num_rows == 0 and t.column_names == TABLES["pressing"].names


def test_parameters_are_bound_not_pasted(store):
    t = pitchlens.query("SELECT count(*) AS n FROM tracks WHERE match_id = ?", store=store, params=["a"])
    assert t.column("n").to_pylist() == [4]
    t = pitchlens.query("SELECT count(*) AS n FROM tracks WHERE match_id = $m", store=store,
                        params={"m": "a' OR '1'='1"})
    assert t.column("n").to_pylist() == [0]


@pytest.mark.parametrize("sql", [
    "CREATE TABLE x AS SELECT 1",
    "INSERT INTO tracks SELECT * FROM tracks",
    "DROP VIEW tracks",
    "SELECT 1; SELECT 2",
    "SET enable_external_access = true",
])
def test_only_one_select_is_allowed(store, sql):
    with pytest.raises(QueryError):
        pitchlens.query(sql, store=store)


def test_sql_cannot_write_outside_the_store(store, tmp_path):
    target = tmp_path / "leak.csv"
    with pytest.raises(QueryError):
        pitchlens.query(f"COPY (SELECT 1) TO '{target}'", store=store)
    assert not target.exists()


def test_sql_cannot_read_outside_the_store(store, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n42\n")
    for sql in (f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM '{secret}'",
                "SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM glob('/*')"):
        with pytest.raises(QueryError, match="SQL"):
            pitchlens.query(sql, store=store)


def test_sql_cannot_read_uncommitted_files_in_the_store(store):
    orphan = store / "tracks" / "match_id=a" / "orphan.parquet"
    orphan.write_bytes((next((store / "tracks" / "match_id=a").glob("part-*.parquet"))).read_bytes())
    with pytest.raises(QueryError):
        pitchlens.query(f"SELECT * FROM read_parquet('{orphan}')", store=store)


def test_bad_sql_is_one_line(store):
    with pytest.raises(QueryError) as e:
        pitchlens.query("SELEC nonsense", store=store)
    assert "\n" not in str(e.value) and str(e.value).startswith("SQL:")


def test_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        pitchlens.query("SELECT 1", store=tmp_path / "nope")


def test_empty_views_have_the_schema_types(tmp_path):
    """A store without a table still answers with that table's columns and types."""
    import pyarrow as pa

    Store(tmp_path).ensure()
    for name, schema in TABLES.items():
        t = pitchlens.query(f"SELECT * FROM {name}", store=tmp_path)
        assert t.num_rows == 0 and t.column_names == schema.names
        for f in schema:
            got = t.schema.field(f.name).type
            if pa.types.is_timestamp(f.type):
                assert pa.types.is_timestamp(got) and got.tz is not None
            else:
                assert got == f.type, (name, f.name, got)
