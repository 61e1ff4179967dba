"""Command-line values shared by ``score`` and ``batch``: channel overrides, output stems
(parameters: :mod:`.params`)."""
from __future__ import annotations

import os

from ..errors import InputError
from ..io.channels import check_role


def channel_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``--channel ROLE=LABEL`` overrides; an unknown role raises, closest first."""
    out = {}
    for p in pairs or []:
        k, eq, v = p.partition("=")
        if not eq or not k.strip() or not v.strip():
            raise InputError(f"--channel takes ROLE=LABEL (e.g. leg_left='EMG Tib L'), got '{p}'.")
        check_role(k.strip(), "--channel")
        out[k.strip()] = v.strip()
    return out


def file_stem(path: str) -> str:
    """``night`` for ``/data/night.edf``: the name outputs of a recording start with."""
    return os.path.splitext(os.path.basename(path))[0]
