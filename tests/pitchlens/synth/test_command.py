"""The ``synth`` command: writes a clip and its truth; bad options are one-line user errors."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from pitchlens.commands.synth import register
from pitchlens.errors import ConfigError
from pitchlens.synth.truth import load_truth


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    register(app)
    return app


def test_synth_command_writes_clip_and_truth(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(_app(), ["synth", "--out", str(out), "--seconds", "0.4", "--seed", "9", "--size",
                                      "320x180", "--fps", "25", "--motion", "sim", "--no-cutaways"])
    assert res.exit_code == 0, res.output
    assert (out / "clip.mp4").stat().st_size > 1000
    t = load_truth(out)
    assert t.frames.num_rows == 10 and t.meta["width"] == 320 and t.meta["seed"] == 9
    assert set(t.frames.column("shot").to_pylist()) == {"main"}
    assert t.homography(3).shape == (3, 3)


def test_synth_command_rejects_bad_size_and_motion(tmp_path):
    for args in (["--size", "320by180"], ["--size", "321x180"], ["--motion", "film"]):
        res = CliRunner().invoke(_app(), ["synth", "--out", str(tmp_path / "x"), "--seconds", "0.2", *args])
        assert isinstance(res.exception, ConfigError)
        assert "\n" not in str(res.exception)
