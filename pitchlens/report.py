"""A match report: one self-contained HTML page of a stored match's figures and pitch plots.

The figures come from the store by SQL (DuckDB, the same views ``pitchlens query`` sees): per team the players
tracked, the distance they covered, possession, pressing and the most used formations; per player the time
tracked, distance and top speed. The pitch plots are drawn with mplsoccer on the store's pitch (metres, origin
at the centre spot): each player's average position, where the ball was, and pressing over time.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from cv.pitch import DEFAULT_PITCH
from pitchlens.errors import InputError
from pitchlens.store import Store

TEAM_COLOURS = {"home": "#d62728", "away": "#1f77b4"}
MAX_STEP_S = 1.0  # steps between a track's rows longer than this (it was lost) add no distance

_PLAYERS_SQL = """
WITH steps AS (
    SELECT team, track_id, role, jersey, speed, t,
           t - lag(t) OVER w AS dt,
           sqrt(power(x - lag(x) OVER w, 2) + power(y - lag(y) OVER w, 2)) AS step
    FROM tracks
    WHERE match_id = $m AND role IN ('player', 'goalkeeper') AND team IN ('home', 'away') AND x IS NOT NULL
    WINDOW w AS (PARTITION BY track_id ORDER BY t)
)
SELECT team, track_id, mode(role) AS role, mode(jersey) AS shirt,
       coalesce(sum(dt) FILTER (WHERE dt <= $max_step), 0) AS seconds,
       coalesce(sum(step) FILTER (WHERE dt <= $max_step), 0) AS distance_m,
       max(speed) AS top_speed
FROM steps GROUP BY team, track_id ORDER BY team, track_id
"""

_POSSESSION_SQL = """
SELECT team, count(*) / (SELECT count(*) FROM possession WHERE match_id = $m) AS share
FROM possession WHERE match_id = $m AND state = 'team' GROUP BY team
"""

_PRESSING_SQL = """
SELECT team, avg(total_pressure) AS mean_pressure, avg(active_pressers) AS mean_active_pressers,
       avg(CAST(counter_press AS DOUBLE)) AS counter_press_share
FROM pressing WHERE match_id = $m GROUP BY team
"""

_FORMATIONS_SQL = """
SELECT team, in_possession, formation, sum(t_end - t_start) AS seconds
FROM formations WHERE match_id = $m AND formation IS NOT NULL
GROUP BY team, in_possession, formation ORDER BY team, in_possession, seconds DESC
"""


@dataclass
class MatchReport:
    """What the report shows: match facts, team and player figures, and the plots as PNG bytes."""

    match_id: str
    facts: dict
    teams: dict[str, dict]
    players: list[dict]
    figures: dict[str, bytes] = field(default_factory=dict)

    def html(self) -> str:
        """The report as one HTML page (plots embedded)."""
        e = html.escape
        facts = "".join(f"<tr><th>{e(str(k))}</th><td>{e(_fmt(v))}</td></tr>" for k, v in self.facts.items())
        team_keys = ["players", "distance_km", "possession", "mean_pressure", "counter_press_share",
                     "formation_in_possession", "formation_out_of_possession"]
        team_rows = "".join(
            f"<tr><th>{e(k)}</th>" + "".join(f"<td>{e(_fmt(self.teams[t].get(k)))}</td>" for t in self.teams)
            + "</tr>" for k in team_keys)
        team_head = "".join(f"<th>{e(t)}</th>" for t in self.teams)
        pkeys = ["team", "track_id", "shirt", "role", "minutes", "distance_m", "top_speed_kmh"]
        prow = "".join("<tr>" + "".join(f"<td>{e(_fmt(p.get(k)))}</td>" for k in pkeys) + "</tr>"
                       for p in self.players)
        imgs = "".join(f'<figure><img alt="{e(n)}" src="data:image/png;base64,{base64.b64encode(b).decode()}">'
                       f"<figcaption>{e(n.replace('_', ' '))}</figcaption></figure>" for n, b in self.figures.items())
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>pitchlens report: {e(self.match_id)}"
                "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
                "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}figure{display:inline-block;margin:8px}"
                "img{max-width:560px}</style></head><body>"
                f"<h1>Match {e(self.match_id)}</h1><table>{facts}</table>"
                f"<h2>Teams</h2><table><tr><th></th>{team_head}</tr>{team_rows}</table>"
                f"<h2>Plots</h2>{imgs}"
                f"<h2>Players</h2><table><tr>{''.join(f'<th>{k}</th>' for k in pkeys)}</tr>{prow}</table>"
                "</body></html>")


def _fmt(v) -> str:  # noqa: ANN001
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def build_report(store: str | os.PathLike, match_id: str, plots: bool = True) -> MatchReport:
    """Gather the figures of ``match_id`` in ``store`` (and draw its plots unless ``plots`` is False)."""
    from pitchlens.query import connect, query

    st = Store(store)
    if st.manifest(match_id) is None:
        raise InputError(f"{st.root}: no match {match_id} in this store (see `pitchlens matches`)")
    con = connect(st)
    p = {"m": match_id}
    m = query("SELECT * FROM matches WHERE match_id = $m", con=con, params=p).to_pylist()
    facts = {k: v for k, v in (m[0] if m else {}).items() if k in (
        "source", "fps", "width", "height", "frames", "duration", "status", "processed_at", "pipeline_version")}
    players = query(_PLAYERS_SQL, con=con, params={**p, "max_step": MAX_STEP_S}).to_pylist()
    for r in players:
        r["minutes"] = r.pop("seconds") / 60.0
        ts = r.pop("top_speed")
        r["top_speed_kmh"] = None if ts is None else 3.6 * ts
    teams: dict[str, dict] = {t: {"players": 0, "distance_km": 0.0} for t in ("home", "away")}
    for r in players:
        teams[r["team"]]["players"] += 1
        teams[r["team"]]["distance_km"] += r["distance_m"] / 1000.0
    for r in query(_POSSESSION_SQL, con=con, params=p).to_pylist():
        if r["team"] in teams:
            teams[r["team"]]["possession"] = r["share"]
    for r in query(_PRESSING_SQL, con=con, params=p).to_pylist():
        if r["team"] in teams:
            teams[r["team"]].update(mean_pressure=r["mean_pressure"], counter_press_share=r["counter_press_share"])
    for r in query(_FORMATIONS_SQL, con=con, params=p).to_pylist():
        key = "formation_in_possession" if r["in_possession"] else "formation_out_of_possession"
        if r["team"] in teams and key not in teams[r["team"]]:  # rows come most used first
            teams[r["team"]][key] = r["formation"]
    rep = MatchReport(match_id, facts, teams, players)
    if plots:
        rep.figures = _plots(con, match_id)
    return rep


def write_report(store: str | os.PathLike, match_id: str, out: str | os.PathLike) -> Path:
    """Write the report of ``match_id`` as one HTML file at ``out`` (whole or not at all)."""
    out = Path(out)
    page = build_report(store, match_id).html()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(f"{out}: cannot write the report ({e.strerror or e})") from e
    return out


def _plots(con, match_id: str) -> dict[str, bytes]:  # noqa: ANN001
    """PNGs: average positions, the ball's whereabouts, pressing over time."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mplsoccer import Pitch

    from pitchlens.query import query

    p = {"m": match_id}
    pitch = Pitch(pitch_type="secondspectrum", pitch_length=DEFAULT_PITCH.length, pitch_width=DEFAULT_PITCH.width,
                  line_zorder=2)
    figs: dict[str, bytes] = {}

    avg = query("SELECT team, track_id, avg(x) AS x, avg(y) AS y, count(*) AS n FROM tracks WHERE match_id = $m "
                "AND role IN ('player', 'goalkeeper') AND team IN ('home', 'away') AND x IS NOT NULL "
                "GROUP BY team, track_id", con=con, params=p).to_pylist()
    fig, ax = pitch.draw(figsize=(7, 4.6))
    nmax = max((r["n"] for r in avg), default=1)
    for team, colour in TEAM_COLOURS.items():
        rows = [r for r in avg if r["team"] == team]
        if rows:
            pitch.scatter([r["x"] for r in rows], [r["y"] for r in rows], s=[40 + 260 * r["n"] / nmax for r in rows],
                          color=colour, edgecolors="black", ax=ax, label=team, zorder=3)
            for r in rows:
                pitch.annotate(str(r["track_id"]), (r["x"], r["y"]), ax=ax, ha="center", va="center", fontsize=6,
                               color="white", zorder=4)
    if avg:
        ax.legend(loc="upper left", fontsize=7)
    ax.set_title("average positions (size: time tracked)", fontsize=9)
    figs["average_positions"] = _png(fig, plt)

    ball = query("SELECT x, y FROM tracks WHERE match_id = $m AND role = 'ball' AND x IS NOT NULL", con=con,
                 params=p).to_pydict()
    fig, ax = pitch.draw(figsize=(7, 4.6))
    if ball["x"]:
        stat = pitch.bin_statistic(ball["x"], ball["y"], statistic="count", bins=(21, 14))
        stat["statistic"] = stat["statistic"] / max(stat["statistic"].sum(), 1)
        pitch.heatmap(stat, ax=ax, cmap="Greens", edgecolors="white", zorder=1)
    ax.set_title("where the ball was (share of frames)", fontsize=9)
    figs["ball_heatmap"] = _png(fig, plt)

    press = query("SELECT team, second, total_pressure FROM pressing_1s WHERE match_id = $m ORDER BY second",
                  con=con, params=p).to_pylist()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for team, colour in TEAM_COLOURS.items():
        rows = [r for r in press if r["team"] == team]
        if rows:
            sec = np.array([r["second"] for r in rows], float)
            val = np.array([np.nan if r["total_pressure"] is None else r["total_pressure"] for r in rows], float)
            gap = np.flatnonzero(np.diff(sec) > 1) + 1  # seconds without the team in view break the line
            ax.plot(np.insert(sec, gap, np.nan) / 60.0, np.insert(val, gap, np.nan), color=colour, lw=1,
                    label=f"{team} pressing")
    ax.set_xlabel("minute")
    ax.set_ylabel("total pressure")
    if press:
        ax.legend(fontsize=7)
    ax.set_title("pressing intensity, second by second", fontsize=9)
    fig.tight_layout()
    figs["pressing_timeline"] = _png(fig, plt)
    return figs


def _png(fig, plt) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
