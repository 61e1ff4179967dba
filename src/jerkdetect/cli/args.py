"""Command-line values shared by ``score`` and ``batch``: channel and rule-parameter overrides."""
from __future__ import annotations

import math
import os

from ..core.names import check_names
from ..errors import InputError
from ..io.channels import ROLES
from ..rules import rule_param_names


def channel_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``--channel ROLE=LABEL`` overrides; an unknown role raises, closest first."""
    out = {}
    for p in pairs or []:
        k, eq, v = p.partition("=")
        if not eq or not k.strip() or not v.strip():
            raise InputError(f"--channel takes ROLE=LABEL (e.g. leg_left='EMG Tib L'), got '{p}'.")
        check_names([k.strip()], ROLES, "channel role", "--channel")
        out[k.strip()] = v.strip()
    return out


def rule_param_overrides(pairs: list[str] | None, rules: str = "wasm2016") -> dict[str, float]:
    """``--param NAME=VALUE`` overrides of rule parameters (numbers); unknown names raise."""
    out = {}
    for p in pairs or []:
        k, _, v = p.partition("=")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise InputError(f"--param takes NAME=NUMBER (e.g. max_imi_s=100), got '{p}'.") from None
        if not math.isfinite(out[k.strip()]):
            raise InputError(f"--param {k.strip()} must be a finite number, got '{v}'.")
    check_names(out, rule_param_names(rules), "rule parameter", f"--param ({rules})")
    return out


def file_stem(path: str) -> str:
    """``night`` for ``/data/night.edf``: the name outputs of a recording start with."""
    return os.path.splitext(os.path.basename(path))[0]
