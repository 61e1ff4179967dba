"""``jerkdetect agree``: the command-line front of :func:`jerkdetect.agree`."""
from __future__ import annotations

import os
import sys


def _figure(v, digits: int = 3) -> str:
    return "null" if v is None else f"{v:.{digits}f}"


def run_agree_cli(a) -> int:
    from ..batch.agree import ERRORS_FILE, NIGHTS_FILE, REPORT_FILE, SUMMARY_FILE, agree
    from ..errors import InputError
    from .args import channel_overrides
    from .params import route_params
    params = route_params(a.param, a.rules)
    other = sorted(f"{g}.{n}" for g in ("arousal", "hypnic", "motor") for n in params[g])
    if other:
        raise InputError(f"jerkdetect agree: --param {other[0]} does not apply (agree sets rule-set and "
                         "detection parameters only; arousals come from the scoring file or its own detector).")
    res = agree(a.inputs, a.out, rules=a.rules, arousals=a.arousals, matching=a.match, tolerance_s=a.tolerance,
                min_overlap_s=a.min_overlap, reported=a.reported,
                report={"all": True, "cohort": "cohort", "none": False}[a.report], jobs=a.jobs,
                channels=channel_overrides(a.channel), rule_params=params["rules"], detection=params["detection"],
                force=a.force, dask_scheduler=a.dask_scheduler, dask_local=a.dask_local,
                progress="log" if a.quiet else "bar", strips=a.strips)
    s = res.summary()
    n_fail = len(res.failed)
    out = sys.stderr if n_fail else sys.stdout
    nights = f"{s['n_nights']} night{'' if s['n_nights'] == 1 else 's'}"
    print(f"{nights} compared ({s['rules']}, {s['matching']['description']}), {n_fail} failed"
          + (f": reasons in {os.path.join(a.out, ERRORS_FILE)}" if n_fail else ""), file=out)
    if s["n_nights"]:
        ci = s.get("plms_index_icc21_ci95")
        print(f"  leg movements: F1 {_figure(s['lm_f1'])}, sensitivity {_figure(s['lm_sensitivity'])}, "
              f"PPV {_figure(s['lm_ppv'])} (TP {s['lm_tp']}, FP {s['lm_fp']}, FN {s['lm_fn']})", file=out)
        print(f"  PLMS index: ICC(2,1) {_figure(s['plms_index_icc21'], 2)}"
              + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
              + f", bias {_figure(s['plms_index_bias'], 2)}/h, limits of agreement "
              f"{_figure(s['plms_index_loa_low'], 2)} to {_figure(s['plms_index_loa_high'], 2)}/h", file=out)
        for k, why in sorted(s["null_reasons"].items()):
            if k in ("lm_f1", "plms_index_icc21", "plms_index_bias", "plms_index_loa_low"):
                print(f"  {k} is null: {why}", file=out)
    files = [SUMMARY_FILE, NIGHTS_FILE] + ([REPORT_FILE] if a.report != "none" else [])
    print(f"  wrote {', '.join(os.path.join(a.out, f) for f in files)}", file=out)
    return 1 if n_fail else 0
