"""Selection in place: the k-th smallest value without sorting or copying (a compiled kernel)."""
from __future__ import annotations

from .kernel import kernel


@kernel
def select_kth(a, n, k):
    """The ``k``-th smallest (from 0) of ``a[:n]``, by Hoare's quickselect with the middle element
    as pivot, in place: ``a[:n]`` is reordered so that no value after position ``k`` is smaller
    and none before it larger. For NaN-free input (a NaN's place would be arbitrary). Reference:
    ``np.partition(a[:n], k)[k]``.

    Examples
    --------
    >>> import numpy as np
    >>> float(select_kth(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), 5, 1))
    2.0
    """
    lo, hi = 0, n - 1
    while lo < hi:
        p = a[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while a[i] < p:
                i += 1
            while a[j] > p:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return a[k]
    return a[k]
