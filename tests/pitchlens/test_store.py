"""The Parquet store: schema round trips, atomic commits, crash safety."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pitchlens.errors import StoreError
from pitchlens.schema import SCHEMA_VERSION, TABLES, conform
from pitchlens.store import Store


def _sample(schema: pa.Schema, match_id: str, n: int = 3) -> pa.Table:
    cols = {}
    for f in schema:
        t = f.type
        if f.name == "match_id":
            cols[f.name] = [match_id] * n
        elif pa.types.is_string(t):
            cols[f.name] = [f"{f.name}{i}" for i in range(n)]
        elif pa.types.is_integer(t):
            cols[f.name] = list(range(n))
        elif pa.types.is_floating(t):
            cols[f.name] = [0.5 * i for i in range(n)]
        elif pa.types.is_boolean(t):
            cols[f.name] = [i % 2 == 0 for i in range(n)]
        elif pa.types.is_timestamp(t):
            cols[f.name] = [dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)] * n
        elif pa.types.is_fixed_size_list(t):  # a null in between where allowed (a frame without a homography)
            cols[f.name] = [None if i == 1 and f.nullable else [float(i)] * t.list_size for i in range(n)]
        else:
            raise AssertionError(f"no sample for {f}")
    return conform(cols, schema)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_schema_round_trips(tmp_path, name):
    store = Store(tmp_path / "s")
    data = _sample(TABLES[name], "m1")
    store.commit("m1", {name: data})
    back = store.read(name, "m1")
    assert back.schema.equals(TABLES[name], check_metadata=False)
    assert back.to_pylist() == data.to_pylist()
    files = list((tmp_path / "s" / name / "match_id=m1").glob("*.parquet"))
    assert len(files) == 1 and pq.read_schema(files[0]).names == TABLES[name].names
    # fixed-size lists are stored as plain lists: pyarrow before 26 cannot read null fixed-size lists back
    assert not any(pa.types.is_fixed_size_list(f.type) for f in pq.read_schema(files[0]))


def test_schema_version_recorded_and_checked(tmp_path):
    Store(tmp_path).ensure()
    assert f'"schema_version": {SCHEMA_VERSION}' in (tmp_path / "_store.json").read_text()
    (tmp_path / "_store.json").write_text('{"schema_version": 999}')
    with pytest.raises(StoreError, match="999"):
        Store(tmp_path).ensure()


def test_reprocessing_replaces_the_whole_match(tmp_path):
    store = Store(tmp_path)
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 5), "detections": _sample(TABLES["detections"], "m")})
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 2)})
    assert store.read("tracks", "m").num_rows == 2
    assert store.read("detections", "m").num_rows == 0  # replaced whole
    from pitchlens.query import query

    assert query("SELECT count(*) AS n FROM tracks", store=tmp_path).column("n").to_pylist() == [2]
    assert store.vacuum() == 2  # superseded files (kept for in-flight readers) are removed
    assert len(list((tmp_path / "tracks" / "match_id=m").iterdir())) == 1


def test_partial_update_keeps_other_tables(tmp_path):
    store = Store(tmp_path)
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 5)})
    store.commit("m", {"shape": _sample(TABLES["shape"], "m", 4)}, replace=False)
    assert store.read("tracks", "m").num_rows == 5 and store.read("shape", "m").num_rows == 4


def test_rows_of_another_match_are_refused(tmp_path):
    with pytest.raises(StoreError, match="other matches"):
        Store(tmp_path).commit("a", {"tracks": _sample(TABLES["tracks"], "b")})
    assert Store(tmp_path).match_ids() == []


def test_bad_match_id_is_refused(tmp_path):
    with pytest.raises(StoreError, match="match id"):
        Store(tmp_path).commit("../evil", {"tracks": _sample(TABLES["tracks"], "../evil")})


def test_unwritable_store_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:
        target = tmp_path / "file-not-dir"
        target.write_text("x")
        with pytest.raises(StoreError, match="file-not-dir"):
            Store(target / "store").ensure()
    else:  # pragma: no cover - non-root
        tmp_path.chmod(0o500)
        with pytest.raises(StoreError, match="not writable"):
            Store(tmp_path / "s").ensure()


def test_killed_writer_leaves_previous_version_intact(tmp_path):
    """A writer killed mid-commit (after some files, before the manifest) changes nothing readers see."""
    store = Store(tmp_path)
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 3), "frames": _sample(TABLES["frames"], "m", 3)})
    before = {t: store.read(t, "m").to_pylist() for t in ("tracks", "frames")}
    script = textwrap.dedent(f"""
        import time, pyarrow.parquet as pq
        import pitchlens.store as s
        from pitchlens.schema import TABLES
        real = pq.write_table
        calls = []
        def slow(table, where, **kw):
            real(table, where, **kw)
            calls.append(where)
            if len(calls) == 2:
                print("WROTE", flush=True)
                time.sleep(60)
        s.pq.write_table = slow
        from tests.pitchlens.test_store import _sample
        s.Store({str(tmp_path)!r}).commit("m", {{"tracks": _sample(TABLES["tracks"], "m", 50),
            "frames": _sample(TABLES["frames"], "m", 50), "detections": _sample(TABLES["detections"], "m", 50)}})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=os.getcwd(), text=True)
    try:
        assert proc.stdout.readline().strip() == "WROTE"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    after = {t: store.read(t, "m").to_pylist() for t in ("tracks", "frames")}
    assert after == before
    assert store.read("detections", "m").num_rows == 0
    from pitchlens.query import query

    assert query("SELECT count(*) AS n FROM tracks", store=tmp_path).column("n").to_pylist() == [3]
    assert store.vacuum() >= 2  # the orphaned new-version files are found and removed
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 7)})
    assert store.read("tracks", "m").num_rows == 7


def test_reader_never_sees_half_a_match(tmp_path):
    """While one process commits versions in a loop, every read sees one consistent version."""
    store = Store(tmp_path)
    store.commit("m", {"tracks": _sample(TABLES["tracks"], "m", 1), "frames": _sample(TABLES["frames"], "m", 1)})
    script = textwrap.dedent(f"""
        import time
        from pitchlens.store import Store
        from pitchlens.schema import TABLES
        from tests.pitchlens.test_store import _sample
        st = Store({str(tmp_path)!r})
        for n in range(2, 40):
            time.sleep(0.05)
            st.commit("m", {{"tracks": _sample(TABLES["tracks"], "m", n), "frames": _sample(TABLES["frames"], "m", n)}})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    from pitchlens.query import query

    seen = 0
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        r = query("SELECT (SELECT count(*) FROM tracks) AS a, (SELECT count(*) FROM frames) AS b", store=tmp_path)
        a, b = r.column("a")[0].as_py(), r.column("b")[0].as_py()
        assert a == b
        seen += 1
    proc.wait(timeout=60)
    assert proc.returncode == 0 and seen > 0


def test_files_written_before_fixed_size_lists_were_stored_as_lists_still_read(tmp_path):
    """A store may hold frames files of both kinds: homographies as fixed-size lists (older files) and as plain
    lists; reading and SQL see one schema."""
    from pitchlens.query import query

    st = Store(tmp_path / "s")
    for mid in ("old", "new"):
        st.commit(mid, {"frames": _sample(TABLES["frames"], mid)})
    old = next((tmp_path / "s" / "frames" / "match_id=old").glob("*.parquet"))
    table = st.read("frames", "old")
    if not any(r is None for r in table.column("homography").to_pylist()):
        pytest.skip("sample has no null homography")
    try:
        pq.write_table(table, old, compression="zstd")  # as the store wrote it before (pyarrow 26 can)
    except pa.ArrowNotImplementedError:
        pytest.skip("this pyarrow cannot write null fixed-size lists")
    assert pa.types.is_fixed_size_list(pq.read_schema(old).field("homography").type)
    both = st.read("frames")
    assert both.num_rows == 6 and both.schema.equals(TABLES["frames"], check_metadata=False)
    r = query("SELECT match_id, count(homography) AS n FROM frames GROUP BY 1 ORDER BY 1", store=tmp_path / "s")
    assert r.to_pylist() == [{"match_id": "new", "n": 2}, {"match_id": "old", "n": 2}]
