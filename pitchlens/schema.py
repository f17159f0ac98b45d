"""Every Arrow schema the store holds, defined once.

Coordinate convention (shared by every table and by ``cv.pitch``): pitch metres,
origin at the centre spot, ``x`` along the touchlines (+x towards the goal on the
main camera's right), ``y`` across (+y towards the far touchline). A top-down plot
with the camera at the bottom has x to the right and y up (CDF / Second Spectrum).

``homography`` columns hold 9 floats, row-major, mapping pitch metres ``(x, y, 1)``
to pixels of the original frame ``(u, v, 1)``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = 1

ROLES = ("player", "goalkeeper", "referee", "ball")
SHOT_TYPES = ("main", "closeup", "other", "unknown")
PROVENANCE = ("detected", "predicted", "interpolated", "imported")

_H = pa.list_(pa.float64(), 9)


def _s(*fields: pa.Field, doc: str) -> pa.Schema:
    return pa.schema(list(fields), metadata={"doc": doc, "schema_version": str(SCHEMA_VERSION)})


def f(name: str, typ: pa.DataType, nullable: bool = True) -> pa.Field:
    return pa.field(name, typ, nullable=nullable)


MATCHES = _s(
    f("match_id", pa.string(), False),
    f("source", pa.string()),
    f("source_sha256", pa.string()),
    f("fps", pa.float64()),
    f("width", pa.int32()),
    f("height", pa.int32()),
    f("frames", pa.int64()),
    f("duration", pa.float64()),
    f("pipeline_version", pa.string()),
    f("config_hash", pa.string()),
    f("processed_at", pa.timestamp("us", tz="UTC")),
    f("status", pa.string()),
    doc="One row per match: where it came from and how it was processed.",
)

FRAMES = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("shot", pa.string()),
    f("homography", _H),
    f("calib_method", pa.string()),
    f("calib_residual", pa.float32()),
    f("calib_inliers", pa.int32()),
    f("usable", pa.bool_()),
    doc="Per decoded frame: time, shot type and the image-pitch mapping with its quality.",
)

DETECTIONS = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("cls", pa.string(), False),
    f("x1", pa.float32()),
    f("y1", pa.float32()),
    f("x2", pa.float32()),
    f("y2", pa.float32()),
    f("conf", pa.float32()),
    doc="Raw detector output, boxes in pixels of the original frame.",
)

TRACKS = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("track_id", pa.int64(), False),
    f("role", pa.string()),
    f("team", pa.string()),
    f("jersey", pa.string()),
    f("x1", pa.float32()),
    f("y1", pa.float32()),
    f("x2", pa.float32()),
    f("y2", pa.float32()),
    f("x", pa.float64()),
    f("y", pa.float64()),
    f("z", pa.float64()),
    f("speed", pa.float64()),
    f("accel", pa.float64()),
    f("in_air", pa.bool_()),
    f("provenance", pa.string()),
    doc="Per object and frame: identity, role, team, box in pixels, pitch position (m), speed (m/s), "
    "acceleration (m/s^2), ball in the air.",
)

# --- ground truth written by the synthetic renderer -------------------------------

TRUTH_FRAMES = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("shot", pa.string()),
    f("homography", _H),
    doc="Synthetic truth per frame: exact homography (null off the main camera) and shot type.",
)

TRUTH_OBJECTS = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("object_id", pa.int64(), False),
    f("role", pa.string()),
    f("team", pa.string()),
    f("jersey", pa.string()),
    f("x1", pa.float32()),
    f("y1", pa.float32()),
    f("x2", pa.float32()),
    f("y2", pa.float32()),
    f("visible", pa.bool_()),
    f("occluded", pa.float32()),
    f("x", pa.float64()),
    f("y", pa.float64()),
    f("z", pa.float64()),
    f("number_px", pa.float32()),
    doc="Synthetic truth per object and frame: identity, visible box, occluded share, pitch position, shown number.",
)

# --- tactics ------------------------------------------------------------------------

POSSESSION = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("team", pa.string()),
    f("state", pa.string()),
    f("carrier_id", pa.int64()),
    f("sequence", pa.int64()),
    doc="Team in possession per frame (state: team/contested/none), carrier where clear, sequence number.",
)

PRESSING = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("team", pa.string()),
    f("carrier_pressure", pa.float64()),
    f("total_pressure", pa.float64()),
    f("active_pressers", pa.int32()),
    f("visible_pressers", pa.int32()),
    f("visible_targets", pa.int32()),
    f("counter_press", pa.bool_()),
    doc="Pressing by the team out of possession per frame (Bekkers' probability to intercept).",
)

PRESSING_1S = _s(
    f("match_id", pa.string(), False),
    f("second", pa.int64(), False),
    f("t", pa.float64(), False),
    f("team", pa.string()),
    f("carrier_pressure", pa.float64()),
    f("total_pressure", pa.float64()),
    f("active_pressers", pa.float64()),
    f("visible_pressers", pa.float64()),
    f("visible_targets", pa.float64()),
    f("counter_press", pa.bool_()),
    f("frames", pa.int32()),
    doc="Pressing aggregated per second for the team out of possession.",
)

FORMATIONS = _s(
    f("match_id", pa.string(), False),
    f("window_id", pa.int64(), False),
    f("window_kind", pa.string()),
    f("team", pa.string()),
    f("in_possession", pa.bool_()),
    f("t_start", pa.float64()),
    f("t_end", pa.float64()),
    f("frame_start", pa.int64()),
    f("frame_end", pa.int64()),
    f("formation", pa.string()),
    f("defenders", pa.int32()),
    f("midfielders", pa.int32()),
    f("forwards", pa.int32()),
    f("central_mf_count", pa.int32()),
    f("cost", pa.float64()),
    f("players_seen", pa.int32()),
    doc="Formation per team and window (possession phase or fixed), in and out of possession.",
)

FORMATION_ROLES = _s(
    f("match_id", pa.string(), False),
    f("window_id", pa.int64(), False),
    f("team", pa.string()),
    f("in_possession", pa.bool_()),
    f("track_id", pa.int64()),
    f("role", pa.string()),
    f("x", pa.float64()),
    f("y", pa.float64()),
    doc="Per-player role within a formation window (child of formations).",
)

SHAPE = _s(
    f("match_id", pa.string(), False),
    f("frame", pa.int64(), False),
    f("t", pa.float64(), False),
    f("team", pa.string()),
    f("in_possession", pa.bool_()),
    f("players", pa.int32()),
    f("centroid_x", pa.float64()),
    f("centroid_y", pa.float64()),
    f("width", pa.float64()),
    f("length", pa.float64()),
    f("hull_area", pa.float64()),
    f("stretch_index", pa.float64()),
    f("def_line_x", pa.float64()),
    f("line_gap_def_mid", pa.float64()),
    f("line_gap_mid_fwd", pa.float64()),
    doc="Team shape per frame (outfield players; x, y turned so the team attacks +x; in_possession null: loose ball).",
)

SHAPE_WINDOWS = _s(
    f("match_id", pa.string(), False),
    f("window_id", pa.int64(), False),
    f("team", pa.string()),
    f("in_possession", pa.bool_()),
    f("t_start", pa.float64()),
    f("t_end", pa.float64()),
    f("centroid_x", pa.float64()),
    f("centroid_y", pa.float64()),
    f("width", pa.float64()),
    f("length", pa.float64()),
    f("hull_area", pa.float64()),
    f("stretch_index", pa.float64()),
    f("def_line_x", pa.float64()),
    f("line_gap_def_mid", pa.float64()),
    f("line_gap_mid_fwd", pa.float64()),
    doc="Team shape averaged over the formation windows.",
)

#: Tables the store holds, by name. Truth tables live beside rendered clips, not in the store.
TABLES: dict[str, pa.Schema] = {
    "matches": MATCHES,
    "frames": FRAMES,
    "detections": DETECTIONS,
    "tracks": TRACKS,
    "possession": POSSESSION,
    "pressing": PRESSING,
    "pressing_1s": PRESSING_1S,
    "formations": FORMATIONS,
    "formation_roles": FORMATION_ROLES,
    "shape": SHAPE,
    "shape_windows": SHAPE_WINDOWS,
}

TRUTH_TABLES: dict[str, pa.Schema] = {"frames": TRUTH_FRAMES, "objects": TRUTH_OBJECTS}


def conform(table: pa.Table | dict, schema: pa.Schema) -> pa.Table:
    """Return ``table`` (or a dict of columns) with exactly ``schema``'s columns, order and types.

    Missing nullable columns are filled with nulls; extra columns are an error.
    """
    if isinstance(table, dict):
        n = max((len(v) for v in table.values()), default=0)
        cols = {}
        for field in schema:
            if field.name in table:
                cols[field.name] = pa.array(table[field.name], type=field.type, from_pandas=True)
            else:
                cols[field.name] = pa.nulls(n, type=field.type)
        extra = set(table) - set(schema.names)
        if extra:
            raise ValueError(f"unknown columns {sorted(extra)}")
        return pa.Table.from_pydict(cols, schema=schema)
    extra = set(table.column_names) - set(schema.names)
    if extra:
        raise ValueError(f"unknown columns {sorted(extra)}")
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            arrays.append(table.column(field.name).cast(field.type))
        else:
            arrays.append(pa.nulls(table.num_rows, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(table: pa.Table, where, **kwargs) -> None:  # noqa: ANN001
    """Write ``table`` to Parquet (``where``: a path or file), fixed-size list columns as plain lists.

    Parquet stores both as lists, but pyarrow before 26 can neither write a null fixed-size list (a frame
    without a homography) nor read one back. :func:`conform` casts the plain lists back on reading.
    ``kwargs`` go to ``pyarrow.parquet.write_table``.
    """
    fields = [pa.field(f.name, pa.list_(f.type.value_type), f.nullable, f.metadata)
              if pa.types.is_fixed_size_list(f.type) else f for f in table.schema]
    if any(f is not g for f, g in zip(fields, table.schema, strict=True)):
        table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
    pq.write_table(table, where, **kwargs)


def empty(schema: pa.Schema) -> pa.Table:
    """An empty table of ``schema``."""
    return schema.empty_table()
