"""Pixels: decoding, detection, the pitch model, camera geometry, calibration and shot types."""
