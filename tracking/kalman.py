"""filterpy Kalman models: constant velocity for people, constant acceleration for the ball.

State order follows filterpy's ``Q_discrete_white_noise(block_size=2)`` layout: per axis (position, velocity[,
acceleration]) blocks, x axis first, then y.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter


@lru_cache(maxsize=64)
def _cv_mats(dt: float, accel_std: float) -> tuple[np.ndarray, np.ndarray]:
    F1 = np.array([[1.0, dt], [0.0, 1.0]])
    F = np.kron(np.eye(2), F1)
    Q = Q_discrete_white_noise(dim=2, dt=dt, var=accel_std**2, block_size=2)
    F.setflags(write=False)
    Q.setflags(write=False)
    return F, Q


@lru_cache(maxsize=64)
def _ca_mats(dt: float, accel_std: float) -> tuple[np.ndarray, np.ndarray]:
    F1 = np.array([[1.0, dt, 0.5 * dt * dt], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    F = np.kron(np.eye(2), F1)
    Q = Q_discrete_white_noise(dim=3, dt=dt, var=accel_std**2, block_size=2)
    F.setflags(write=False)
    Q.setflags(write=False)
    return F, Q


CV_H = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]])
CA_H = np.array([[1.0, 0, 0, 0, 0, 0], [0, 0, 0, 1.0, 0, 0]])
CV_POS = (0, 2)
CA_POS = (0, 3)


def constant_velocity(xy: np.ndarray, R: np.ndarray, vel_std: float) -> KalmanFilter:
    """A 2-D constant-velocity filter started at ``xy`` with position covariance ``R`` and velocity std."""
    kf = KalmanFilter(dim_x=4, dim_z=2)
    kf.x = np.array([xy[0], 0.0, xy[1], 0.0])
    P = np.zeros((4, 4))
    P[np.ix_(CV_POS, CV_POS)] = R
    P[1, 1] = P[3, 3] = vel_std**2
    kf.P = P
    kf.H = CV_H
    return kf


def constant_acceleration(xy: np.ndarray, R: np.ndarray, vel_std: float, acc_std: float) -> KalmanFilter:
    """A 2-D constant-acceleration filter started at ``xy``."""
    kf = KalmanFilter(dim_x=6, dim_z=2)
    kf.x = np.array([xy[0], 0.0, 0.0, xy[1], 0.0, 0.0])
    P = np.zeros((6, 6))
    P[np.ix_(CA_POS, CA_POS)] = R
    P[1, 1] = P[4, 4] = vel_std**2
    P[2, 2] = P[5, 5] = acc_std**2
    kf.P = P
    kf.H = CA_H
    return kf


def predict_cv(kf: KalmanFilter, dt: float, accel_std: float) -> None:
    """Predict a constant-velocity filter ``dt`` seconds ahead."""
    F, Q = _cv_mats(round(dt, 6), accel_std)
    kf.predict(F=F, Q=Q)


def predict_ca(kf: KalmanFilter, dt: float, accel_std: float) -> None:
    """Predict a constant-acceleration filter ``dt`` seconds ahead."""
    F, Q = _ca_mats(round(dt, 6), accel_std)
    kf.predict(F=F, Q=Q)


def mahalanobis_sq(mean: np.ndarray, cov: np.ndarray, z: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distances (T, D) of measurements ``z`` (D, 2) with covariances ``R`` (D, 2, 2)
    from predicted positions ``mean`` (T, 2) with covariances ``cov`` (T, 2, 2)."""
    if len(mean) == 0 or len(z) == 0:
        return np.zeros((len(mean), len(z)))
    S = cov[:, None] + R[None]  # (T, D, 2, 2)
    d = z[None] - mean[:, None]  # (T, D, 2)
    a, b, c = S[..., 0, 0], S[..., 0, 1], S[..., 1, 1]
    det = a * c - b * b
    det = np.where(det > 1e-12, det, 1e-12)
    dx, dy = d[..., 0], d[..., 1]
    return (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det


def cv_state(xy: np.ndarray, R: np.ndarray, vel_std: float) -> tuple[np.ndarray, np.ndarray]:
    """Initial constant-velocity state (x, vx, y, vy) and covariance at ``xy`` with position covariance ``R``."""
    x = np.array([xy[0], 0.0, xy[1], 0.0])
    P = np.zeros((4, 4))
    P[np.ix_(CV_POS, CV_POS)] = R
    P[1, 1] = P[3, 3] = vel_std**2
    return x, P


def batch_predict_cv(X: np.ndarray, P: np.ndarray, dt: float, accel_std: float) -> tuple[np.ndarray, np.ndarray]:
    """Kalman predict of many constant-velocity states at once (X (N, 4), P (N, 4, 4)).

    The same equations as ``filterpy.kalman.KalmanFilter.predict`` with filterpy's F and Q, vectorised over tracks.
    """
    F, Q = _cv_mats(round(dt, 6), accel_std)
    return X @ F.T, F @ P @ F.T + Q


def batch_update_pos(X: np.ndarray, P: np.ndarray, Z: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman update of many constant-velocity states with position measurements Z (N, 2), covariances R (N, 2, 2).

    Equivalent to ``KalmanFilter.update`` with H selecting the positions (Joseph form), vectorised over tracks.
    """
    Hm = CV_H
    S = P[:, ::2, ::2] + R  # H P H^T + R
    PHt = P[:, :, ::2]  # P H^T  (N, 4, 2)
    K = PHt @ np.linalg.inv(S)
    y = Z - X[:, ::2]
    X = X + (K @ y[:, :, None])[:, :, 0]
    IKH = np.eye(4)[None] - K @ Hm[None]
    P = IKH @ P @ np.transpose(IKH, (0, 2, 1)) + K @ R @ np.transpose(K, (0, 2, 1))
    return X, P
