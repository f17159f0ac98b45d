"""Configuration loading and validation."""

from __future__ import annotations

import pytest
import yaml

from pitchlens.config import DEFAULT_CONFIG, load_config
from pitchlens.errors import ConfigError


def test_defaults_load_and_every_default_key_is_documented():
    cfg = load_config()
    assert cfg.detector.profile == "coco" and cfg.video.batch_size >= 1
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    assert set(data) >= {"video", "detector", "job"}
    for line in DEFAULT_CONFIG.read_text().splitlines():
        s = line.strip()
        if s and not s.startswith("#") and ":" in s and not s.endswith(":"):
            assert "#" in s, f"undocumented key in default.yaml: {s}"


def test_default_yaml_tracking_and_calibration_sections_are_their_defaults():
    """The typed constructors are the config: default.yaml's ``tracking`` and ``calibration`` sections must say
    what they say, so a default changed in one place and not the other fails here."""
    from cv.calibration import CalibrationConfig
    from tracking.config import TrackingConfig

    cfg = load_config()
    assert cfg.tracking == TrackingConfig()
    assert cfg.calibration == CalibrationConfig()


def test_user_file_merges_over_defaults(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("detector:\n  imgsz: 640\n")
    cfg = load_config(p)
    assert cfg.detector.imgsz == 640 and cfg.detector.conf == load_config().detector.conf
    assert cfg.hash() != load_config().hash()


@pytest.mark.parametrize("text, key", [
    ("detector:\n  imgsz: big\n", "detector.imgsz"),
    ("detector:\n  nope: 1\n", "detector.nope"),
    ("nosuchsection: {}\n", "nosuchsection"),
    ("detector:\n  profile: yolo\n", "detector.profile"),
    ("detector:\n  conf: 3\n", "detector.conf"),
    ("video:\n  batch_size: 0\n", "video.batch_size"),
    ("detector: [1, 2]\n", "detector"),
])
def test_bad_keys_and_values_name_key_and_file(tmp_path, text, key):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(p) in str(e.value) and key in str(e.value)


def test_missing_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")
    p = tmp_path / "broken.yaml"
    p.write_text("a: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)
