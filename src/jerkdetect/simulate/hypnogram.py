"""A plausible overnight hypnogram: sleep-onset latency, ~90-min NREM/REM cycles, awakenings."""
from __future__ import annotations

import numpy as np


def simulate_hypnogram(n_epochs: int, rng: np.random.Generator, sol_epochs: tuple[int, int] = (10, 30),
                       awakenings_per_hour: float = 1.2) -> np.ndarray:
    """Stage codes (W0 N1 1 N2 2 N3 3 R4) for ``n_epochs`` 30-s epochs starting at lights off."""
    st: list[int] = []
    st += [0] * int(rng.integers(*sol_epochs))
    cycle = 0
    while len(st) < n_epochs:
        n3 = max(0, int(rng.normal(40 - 12 * cycle, 6)))
        rem = int(np.clip(rng.normal(10 + 10 * cycle, 4), 6, 50))
        st += [1] * int(rng.integers(2, 5))
        st += [2] * int(rng.integers(20, 36))
        st += [3] * n3
        st += [2] * int(rng.integers(10, 24))
        st += [4] * rem
        cycle += 1
    st = np.array(st[:n_epochs], dtype=np.int8)
    # brief awakenings (1-4 epochs) then a return to sleep through N1
    n_aw = rng.poisson(awakenings_per_hour * n_epochs / 120)
    for _ in range(n_aw):
        k = int(rng.integers(sol_epochs[1] + 20, max(sol_epochs[1] + 21, n_epochs - 8)))
        if st[k] == 0:
            continue
        w = int(rng.integers(1, 5))
        st[k:k + w] = 0
        if k + w < n_epochs:
            st[k + w:k + w + 2] = 1
    st[-int(rng.integers(2, 6)):] = 0
    return st
