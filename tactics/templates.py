"""Formation templates: role positions in metres, team attacking towards +x, its left side at +y.

Each template lists its lines in the order of its label (``4-2-3-1`` -> 4, 2, 3, 1 players): the first
line are defenders, the last forwards, the lines between midfielders.
"""

from __future__ import annotations

import numpy as np

Role = tuple[str, float, float]

_BACK4: list[Role] = [("LB", -17, 22), ("LCB", -20, 8), ("RCB", -20, -8), ("RB", -17, -22)]
_BACK3: list[Role] = [("LCB", -19, 14), ("CB", -20, 0), ("RCB", -19, -14)]
_BACK5: list[Role] = [("LWB", -14, 26), ("LCB", -19, 12), ("CB", -20, 0), ("RCB", -19, -12), ("RWB", -14, -26)]
_MID4: list[Role] = [("LM", -2, 22), ("LCM", -4, 8), ("RCM", -4, -8), ("RM", -2, -22)]
_TWO_UP: list[Role] = [("LS", 12, 7), ("RS", 12, -7)]

TEMPLATES: dict[str, list[list[Role]]] = {
    "4-4-2": [_BACK4, _MID4, _TWO_UP],
    "4-3-3": [_BACK4, [("LCM", -3, 13), ("CM", -7, 0), ("RCM", -3, -13)],
              [("LW", 10, 21), ("ST", 13, 0), ("RW", 10, -21)]],
    "4-2-3-1": [_BACK4, [("LDM", -9, 8), ("RDM", -9, -8)], [("LM", 3, 21), ("CAM", 3, 0), ("RM", 3, -21)],
                [("ST", 13, 0)]],
    "3-5-2": [_BACK3, [("LWB", -5, 26), ("LCM", -3, 11), ("CDM", -8, 0), ("RCM", -3, -11), ("RWB", -5, -26)],
              _TWO_UP],
    "3-4-3": [_BACK3, [("LM", -4, 24), ("LCM", -6, 8), ("RCM", -6, -8), ("RM", -4, -24)],
              [("LW", 10, 18), ("ST", 13, 0), ("RW", 10, -18)]],
    "5-3-2": [_BACK5, [("LCM", -4, 13), ("CM", -6, 0), ("RCM", -4, -13)], _TWO_UP],
    "4-1-4-1": [_BACK4, [("CDM", -11, 0)], [("LM", 0, 22), ("LCM", -2, 9), ("RCM", -2, -9), ("RM", 0, -22)],
                [("ST", 13, 0)]],
    "4-5-1": [_BACK4, [("LM", -3, 24), ("LCM", -5, 12), ("CM", -6, 0), ("RCM", -5, -12), ("RM", -3, -24)],
              [("ST", 12, 0)]],
    "4-1-2-1-2": [_BACK4, [("CDM", -11, 0)], [("LCM", -4, 13), ("RCM", -4, -13)], [("CAM", 3, 0)], _TWO_UP],
    "5-4-1": [_BACK5, [("LM", -4, 22), ("LCM", -6, 8), ("RCM", -6, -8), ("RM", -4, -22)], [("ST", 10, 0)]],
    "4-4-1-1": [_BACK4, _MID4, [("SS", 5, 0)], [("ST", 13, 0)]],
    "3-4-2-1": [_BACK3, [("LM", -5, 24), ("LCM", -7, 8), ("RCM", -7, -8), ("RM", -5, -24)],
                [("LAM", 4, 10), ("RAM", 4, -10)], [("ST", 13, 0)]],
}

CENTRAL_MIDFIELD = frozenset({"LDM", "CDM", "RDM", "LCM", "CM", "RCM", "CAM"})


def template(label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(roles (10,), positions (10, 2), line per role (10,): 0 defender, 1 midfielder, 2 forward)."""
    lines = TEMPLATES[label]
    roles, xy, line = [], [], []
    for i, group in enumerate(lines):
        kind = 0 if i == 0 else (2 if i == len(lines) - 1 else 1)
        for r, x, y in group:
            roles.append(r)
            xy.append((x, y))
            line.append(kind)
    return np.array(roles, dtype=object), np.array(xy, dtype=float), np.array(line)


def central_mf_count(roles: np.ndarray | list[str]) -> int:
    """How many roles are central midfield (LDM, CDM, RDM, LCM, CM, RCM, CAM)."""
    return int(sum(r in CENTRAL_MIDFIELD for r in roles))
