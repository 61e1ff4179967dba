"""``jerkdetect batch``: the command-line front of :func:`score_many`."""
from __future__ import annotations

import sys


def run_batch_cli(a) -> int:
    from .args import channel_overrides
    from .params import motor_setting, route_params
    from ..batch.runner import score_many
    params = route_params(a.param, a.rules)
    motor = motor_setting(a.no_motor, params["motor"])
    df = score_many(a.inputs, a.out, rules=a.rules, jobs=a.jobs, channels=channel_overrides(a.channel),
                    rule_params=params["rules"], detection=params["detection"], arousal_params=params["arousal"],
                    hypnic=params["hypnic"], force=a.force, dask_scheduler=a.dask_scheduler,
                    dask_local=a.dask_local, progress="log" if a.quiet else "bar",
                    export=not a.no_export, leg_movements="scoring" if a.from_scoring else "emg",
                    report=a.report or False, arousals=a.arousals,
                    motor=motor if isinstance(motor, bool) else params["motor"])
    n_fail = int((df["status"] == "failed").sum())
    counts = df["status"].value_counts().to_dict()
    print(f"{len(df)} nights: {counts.get('ok', 0)} scored, {counts.get('skipped', 0)} already complete, "
          f"{n_fail} failed; cohort table {a.out}/cohort_summary.tsv"
          + (f"; reasons in {a.out}/errors.tsv" if n_fail else "")
          + (f"; report {a.out}/cohort_report.html" if a.report else ""), file=sys.stderr if n_fail else sys.stdout)
    return 1 if n_fail else 0
