"""Config, projection and the batched Kalman equations against filterpy."""

from __future__ import annotations

import numpy as np
import pytest
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter

from cv.camera import Camera
from tracking import TrackingConfig
from tracking.kalman import batch_predict_cv, batch_update_pos
from tracking.projection import image_to_pitch, inverse_jacobian, pitch_to_image


def test_config_from_dict_and_unknown_key():
    cfg = TrackingConfig.from_dict({"player": {"min_hits": 2, "gate_chi2": 9}, "offline": {"smoother": "rts"}})
    assert cfg.player.min_hits == 2 and cfg.player.gate_chi2 == 9.0 and cfg.offline.smoother == "rts"
    assert TrackingConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="tracking.player.min_hit"):
        TrackingConfig.from_dict({"player": {"min_hit": 2}})
    with pytest.raises(ValueError, match="tracking.ball.gate_chi2"):
        TrackingConfig.from_dict({"ball": {"gate_chi2": "wide"}})


def test_projection_round_trip_and_jacobian():
    H = Camera(position=(0.0, -74.0, 22.0), focal=1500.0).look_at((10.0, 5.0, 0.0)).homography
    xy = np.array([[0.0, 0.0], [20.0, -10.0], [-30.0, 25.0]])
    uv = pitch_to_image(H, xy)
    np.testing.assert_allclose(image_to_pitch(H, uv), xy, atol=1e-6)
    Hinv = np.linalg.inv(H)
    J = inverse_jacobian(Hinv, uv)
    eps = 1e-3
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        num = (image_to_pitch(H, uv + d) - image_to_pitch(H, uv - d)) / (2 * eps)
        np.testing.assert_allclose(J[:, :, k], num, rtol=1e-4, atol=1e-7)
    # a point above the horizon has no pitch position
    assert np.isnan(image_to_pitch(H, np.array([[640.0, -2000.0]]))).all()


def test_batched_kalman_matches_filterpy():
    rng = np.random.default_rng(0)
    dt, q = 0.04, 3.0
    kfs, X, P = [], [], []
    for _ in range(5):
        kf = KalmanFilter(dim_x=4, dim_z=2)
        kf.x = rng.normal(size=4)
        A = rng.normal(size=(4, 4))
        kf.P = A @ A.T + np.eye(4)
        kf.F = np.kron(np.eye(2), [[1, dt], [0, 1]])
        kf.Q = Q_discrete_white_noise(2, dt, q**2, block_size=2)
        kf.H = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]])
        kfs.append(kf)
        X.append(kf.x.copy())
        P.append(kf.P.copy())
    X, P = batch_predict_cv(np.array(X), np.array(P), dt, q)
    Z = rng.normal(size=(5, 2))
    R = np.array([np.diag(rng.uniform(0.1, 1.0, 2)) for _ in range(5)])
    X, P = batch_update_pos(X, P, Z, R)
    for i, kf in enumerate(kfs):
        kf.predict()
        kf.update(Z[i], R=R[i])
        np.testing.assert_allclose(X[i], kf.x, atol=1e-9)
        np.testing.assert_allclose(P[i], kf.P, atol=1e-9)
