"""The Parquet store: one hive-partitioned dataset per table, matches committed atomically.

Layout::

    <root>/_store.json                          schema version
    <root>/_manifests/<match_id>.json           the committed version of each match
    <root>/<table>/match_id=<id>/part-<version>.parquet

A match's files are written first under a fresh version, then its manifest is replaced
with ``os.replace`` (atomic on POSIX). Readers (``pitchlens.query``) read exactly the files
a manifest names, so they see the old match or the new one, never half of either. A crash
before the manifest is replaced leaves the previous version intact; the orphaned files are
removed by the next commit of that match or by :meth:`Store.vacuum`.

Files of a superseded version stay on disk for a grace period (``GRACE_SECONDS``) so that a
query which read the old manifest a moment before the commit can still finish; the next commit
of the match (or :meth:`Store.vacuum`) removes them. Read the store through its manifests
(``pitchlens.query``, :meth:`Store.read`), not by globbing the folders.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pitchlens.errors import StoreError
from pitchlens.schema import SCHEMA_VERSION, TABLES, conform, write_parquet

GRACE_SECONDS = 10.0
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_match_id(match_id: str) -> str:
    """Return ``match_id`` if it is safe as a partition value, else raise."""
    if not _ID_RE.match(match_id or ""):
        raise StoreError(
            f"match id {match_id!r}: use letters, digits, '.', '_' or '-' (at most 128, not starting with a symbol)"
        )
    return match_id


class Store:
    """A directory of Parquet tables partitioned by match."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    # -- set-up -------------------------------------------------------------------
    def ensure(self) -> Store:
        """Create the store if needed and check that it is writable and of a known version."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "_manifests").mkdir(exist_ok=True)
            meta = self.root / "_store.json"
            if meta.exists():
                self._check_version()
            else:
                _write_json_atomic(meta, {"schema_version": SCHEMA_VERSION, "format": "pitchlens-store"})
            probe = self.root / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except PermissionError as e:
            raise StoreError(f"{self.root}: store is not writable ({e.strerror})") from e
        except OSError as e:
            raise StoreError(f"{self.root}: cannot use as a store ({e.strerror or e})") from e
        return self

    def _check_version(self) -> None:
        meta = self.root / "_store.json"
        try:
            version = json.loads(meta.read_text())["schema_version"]
        except (OSError, ValueError, KeyError) as e:
            raise StoreError(f"{meta}: not a pitchlens store file ({e})") from e
        if version != SCHEMA_VERSION:
            raise StoreError(f"{meta}: store schema version {version}, this pitchlens writes {SCHEMA_VERSION}")

    @property
    def exists(self) -> bool:
        return (self.root / "_store.json").exists()

    # -- reading ------------------------------------------------------------------
    def match_ids(self) -> list[str]:
        """Ids of the committed matches, sorted."""
        d = self.root / "_manifests"
        if not d.is_dir():
            return []
        return sorted(p.stem for p in d.glob("*.json"))

    def manifest(self, match_id: str) -> dict | None:
        p = self.root / "_manifests" / f"{check_match_id(match_id)}.json"
        try:
            return json.loads(p.read_text())
        except FileNotFoundError:
            return None

    def snapshot(self) -> dict[str, list[Path]]:
        """The committed files of every table, from one reading of the manifests (a consistent view)."""
        out: dict[str, list[Path]] = {t: [] for t in TABLES}
        d = self.root / "_manifests"
        if not d.is_dir():
            return out
        for p in sorted(d.glob("*.json")):
            try:
                m = json.loads(p.read_text())
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as e:
                raise StoreError(f"{p}: unreadable manifest ({e})") from e
            for table, rel in m.get("tables", {}).items():
                if table in out:
                    out[table].append(self.root / rel)
        return out

    def files(self, table: str) -> list[Path]:
        """The committed Parquet files of ``table`` over all matches."""
        return self.snapshot()[table]

    def read(self, table: str, match_id: str | None = None) -> pa.Table:
        """Read ``table`` (optionally one match) as an Arrow table of its schema."""
        schema = TABLES[table]
        if match_id is not None:
            m = self.manifest(match_id)
            rel = (m or {}).get("tables", {}).get(table)
            files = [self.root / rel] if rel else []
        else:
            files = self.files(table)
        if not files:
            return schema.empty_table()
        return pa.concat_tables([conform(pq.read_table(f), schema) for f in files])

    # -- writing ------------------------------------------------------------------
    @contextmanager
    def _lock(self, match_id: str) -> Iterator[None]:
        lock_path = self.root / "_manifests" / f".{match_id}.lock"
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def commit(self, match_id: str, tables: Mapping[str, pa.Table | dict], *, replace: bool = True) -> dict:
        """Write ``tables`` for ``match_id`` and make them visible in one atomic step.

        ``replace=True`` (re-processing) drops the match's other tables; ``replace=False``
        adds or replaces only the tables given and keeps the rest.
        """
        check_match_id(match_id)
        self.ensure()
        unknown = set(tables) - set(TABLES)
        if unknown:
            raise StoreError(f"unknown tables {sorted(unknown)}; the store holds {sorted(TABLES)}")
        version = uuid.uuid4().hex[:12]
        written: list[Path] = []
        with self._lock(match_id):
            old = self.manifest(match_id) or {"tables": {}}
            new_tables = {} if replace else dict(old.get("tables", {}))
            try:
                for name, data in tables.items():
                    table = conform(data, TABLES[name])
                    ids = set(table.column("match_id").unique().to_pylist())
                    if ids - {match_id}:
                        raise StoreError(f"table {name}: rows for other matches {sorted(ids - {match_id})}")
                    part_dir = self.root / name / f"match_id={match_id}"
                    part_dir.mkdir(parents=True, exist_ok=True)
                    path = part_dir / f"part-{version}.parquet"
                    tmp = part_dir / f".part-{version}.parquet.tmp"
                    write_parquet(table, tmp, compression="zstd")
                    _fsync(tmp)
                    os.replace(tmp, path)
                    written.append(path)
                    new_tables[name] = str(path.relative_to(self.root))
                now = time.time()
                superseded = [e for e in old.get("superseded", []) if now - e["at"] < GRACE_SECONDS]
                superseded += [{"path": p, "at": now} for p in old.get("tables", {}).values()
                               if p not in new_tables.values()]
                manifest = {"match_id": match_id, "version": version, "schema_version": SCHEMA_VERSION,
                            "tables": new_tables, "superseded": superseded}
                _write_json_atomic(self.root / "_manifests" / f"{match_id}.json", manifest)
            except BaseException:
                for p in written:
                    p.unlink(missing_ok=True)
                raise
            self._remove_unreferenced(match_id, set(new_tables.values()) | {e["path"] for e in superseded})
        return manifest

    def delete(self, match_id: str) -> bool:
        """Remove a match; returns whether it existed."""
        check_match_id(match_id)
        with self._lock(match_id):
            p = self.root / "_manifests" / f"{match_id}.json"
            existed = p.exists()
            p.unlink(missing_ok=True)
            self._remove_unreferenced(match_id, set())
        return existed

    def _remove_unreferenced(self, match_id: str, keep: set[str]) -> None:
        for table in TABLES:
            part_dir = self.root / table / f"match_id={match_id}"
            if not part_dir.is_dir():
                continue
            for p in part_dir.iterdir():
                if str(p.relative_to(self.root)) not in keep:
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)
            if not any(part_dir.iterdir()):
                part_dir.rmdir()

    def vacuum(self) -> int:
        """Remove files no manifest names as current (crashed writers, superseded versions); returns how many."""
        keep = set()
        for mid in self.match_ids():
            keep |= set((self.manifest(mid) or {}).get("tables", {}).values())
        n = 0
        for table in TABLES:
            for p in (self.root / table).glob("match_id=*/*"):
                if str(p.relative_to(self.root)) not in keep:
                    p.unlink(missing_ok=True)
                    n += 1
        return n


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
