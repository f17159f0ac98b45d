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


@lru_cache(maxsize=8)
def _pos_h(n: int, pos: tuple[int, int]) -> np.ndarray:
    """Measurement matrix (2, n) selecting the two positions of an n-state."""
    Hm = np.zeros((2, n))
    Hm[0, pos[0]] = Hm[1, pos[1]] = 1.0
    Hm.setflags(write=False)
    return Hm


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
    # S = cov + R per pair (T, D), written out per entry of the symmetric 2 x 2 matrix
    a = cov[:, 0, 0][:, None] + R[:, 0, 0][None]
    b = cov[:, 0, 1][:, None] + R[:, 0, 1][None]
    c = cov[:, 1, 1][:, None] + R[:, 1, 1][None]
    det = np.maximum(a * c - b * b, 1e-12)
    dx = z[:, 0][None] - mean[:, 0][:, None]
    dy = z[:, 1][None] - mean[:, 1][:, None]
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


def batch_predict_ca(X: np.ndarray, P: np.ndarray, dt: float, accel_std: float) -> tuple[np.ndarray, np.ndarray]:
    """Kalman predict of constant-acceleration states (X (N, 6), P (N, 6, 6)) with filterpy's F and Q."""
    F, Q = _ca_mats(round(dt, 6), accel_std)
    return X @ F.T, F @ P @ F.T + Q


def batch_update_pos(X: np.ndarray, P: np.ndarray, Z: np.ndarray, R: np.ndarray,
                     pos: tuple[int, int] = CV_POS) -> tuple[np.ndarray, np.ndarray]:
    """Kalman update of many states X (N, n), P (N, n, n) with position measurements Z (N, 2), covariances
    R (N, 2, 2); ``pos``: the state indices of the two positions (``CV_POS`` or ``CA_POS``).

    Equivalent to ``KalmanFilter.update`` with H selecting the positions (Joseph form), vectorised over tracks.
    """
    n = X.shape[1]
    sl = slice(pos[0], None, pos[1] - pos[0])  # the positions are evenly spaced from pos[0]
    Hm = _pos_h(n, pos)
    S = P[:, sl, sl] + R  # H P H^T + R
    PHt = P[:, :, sl]  # P H^T  (N, n, 2)
    K = PHt @ np.linalg.inv(S)
    y = Z - X[:, sl]
    X = X + (K @ y[:, :, None])[:, :, 0]
    IKH = np.eye(n)[None] - K @ Hm[None]
    P = IKH @ P @ np.transpose(IKH, (0, 2, 1)) + K @ R @ np.transpose(K, (0, 2, 1))
    return X, P


class Gaussian:
    """One filter's state: mean ``x`` (n,) and covariance ``P`` (n, n) (the ball's, updated with the batched
    functions above on a batch of one)."""

    __slots__ = ("x", "P")

    def __init__(self, x: np.ndarray, P: np.ndarray):
        self.x, self.P = x, P

    def predict_ca(self, dt: float, accel_std: float) -> None:
        """Constant-acceleration predict ``dt`` seconds ahead."""
        F, Q = _ca_mats(round(dt, 6), accel_std)
        self.x = F @ self.x
        self.P = F @ self.P @ F.T + Q

    def update_pos(self, z: np.ndarray, R: np.ndarray, pos: tuple[int, int] = CA_POS) -> None:
        """Update with a position measurement ``z`` (2,) of covariance ``R`` (2, 2)."""
        X, P = batch_update_pos(self.x[None], self.P[None], np.asarray(z, float)[None], R[None], pos)
        self.x, self.P = X[0], P[0]


def ca_state(xy: np.ndarray, R: np.ndarray, vel_std: float, acc_std: float) -> Gaussian:
    """Initial constant-acceleration state at ``xy`` (same as :func:`constant_acceleration`, without filterpy's
    per-call bookkeeping)."""
    kf = constant_acceleration(xy, R, vel_std, acc_std)
    return Gaussian(kf.x.copy(), kf.P.copy())
