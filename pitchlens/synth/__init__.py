"""Synthetic broadcast footage with exact ground truth.

``render_clip(out_dir, seconds, seed, size, fps, motion, cutaways)`` writes ``clip.mp4`` (H.264, yuv420p) and
``truth/{frames,objects}.parquet`` (schemas ``TRUTH_FRAMES`` / ``TRUTH_OBJECTS``) plus ``truth/meta.json``;
``render_frames(seed, n, size, ...)`` yields ``(image_bgr, {"frame": row, "objects": rows})`` for training;
``load_truth(dir)`` reads a clip's truth back. Same seed, same pixels and truth.
"""

from pitchlens.synth.render import ClipRenderer, render_clip, render_frames
from pitchlens.synth.truth import Truth, load_truth

__all__ = ["ClipRenderer", "render_clip", "render_frames", "Truth", "load_truth"]
