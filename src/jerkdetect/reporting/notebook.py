"""Tables for notebooks: a night's summary as a one-row DataFrame."""
from __future__ import annotations

import os


def _flat(prefix: str, v, out: dict) -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            _flat(f"{prefix}_{k}", x, out)
    elif isinstance(v, (list, tuple)) and len(v) == 2 and prefix.endswith("_iqr_s"):
        out[f"{prefix}_low"], out[f"{prefix}_high"] = v
    elif isinstance(v, (list, tuple)):
        out[prefix] = ", ".join(map(str, v))
    else:
        out[prefix] = v


def summary_frame(res, name: str | None = None):
    """One row: every index (nested values flattened), the rule set, the sources; index = ``name``
    (default: the recording's file stem)."""
    import pandas as pd
    row: dict = {}
    for k, v in res.indices.items():
        if k != "null_reasons":
            _flat(k, v, row)
    info = res.info
    row["rules"] = info.get("rules", {}).get("name")
    row["leg_movement_source"] = info.get("leg_movement_source")
    row["annotation_source"] = info.get("annotation_source")
    row["recording"] = info.get("recording")
    stem = name or os.path.splitext(os.path.basename(str(info.get("recording") or "night")))[0]
    return pd.DataFrame([row], index=pd.Index([stem], name="night"))
