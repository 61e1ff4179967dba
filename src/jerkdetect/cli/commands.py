"""What each subcommand does: ``info``, ``score``, ``simulate`` (``batch`` is in :mod:`.batch`,
``agree`` in :mod:`.agree`)."""
from __future__ import annotations

import json
import os

from .args import channel_overrides, file_stem, rule_param_overrides


def cmd_info(a) -> int:
    from ..io.edf import read_psg
    from ..io.scoring import read_scoring
    from ..pipeline.scoring_file import find_scoring_file
    rec = read_psg(a.recording, roles=channel_overrides(a.channel))
    print(rec.info())
    ann = a.annotations or find_scoring_file(a.recording)
    if ann:
        sc = read_scoring(ann, rec)
        print(sc.summary())
        if sc.hypnogram is not None:
            for k, v in sc.hypnogram.summary().items():
                print(f"  {k:<18} {v if not isinstance(v, float) else round(v, 2)}")
            for n in sc.hypnogram.notes:
                print(f"  note: {n}")
    else:
        print("no scoring file found next to the recording")
    return 0


def _score_one(a):
    """One night from the command line: EDF (+ scoring file), or a scoring file alone (--from-scoring)."""
    from ..pipeline.score import score
    from ..pipeline.annotations_only import has_signals, score_annotations
    from ..errors import InputError
    verbose = "INFO" if a.verbose else None
    params = rule_param_overrides(a.param, a.rules)
    if a.from_scoring and not has_signals(a.recording):
        if a.annotations or a.channel:
            raise InputError(f"{a.recording} is a scoring file scored on its own; "
                             "--annotations and --channel do not apply.")
        return score_annotations(a.recording, rules=a.rules, verbose=verbose, **params)
    return score(a.recording, annotations=a.annotations, rules=a.rules, channels=channel_overrides(a.channel),
                 leg_movements="scoring" if a.from_scoring else "emg", arousals=a.arousals,
                 staging="yasa" if a.auto_staging else "none", verbose=verbose, rule_params=params)


def cmd_score(a) -> int:
    res = _score_one(a)
    paths = res.write(a.out, file_stem(a.recording), export=a.export)
    if a.report:
        paths["report"] = res.report(os.path.join(a.out, f"{file_stem(a.recording)}_report.html"))
    s = res.summary()
    if not a.quiet:
        print(f"{a.recording}: {res.info['rules']['name']}, annotations from {res.info['annotation_source']}")
        if str(res.info.get("hypnogram_source", "")).startswith("automatic"):
            print(f"  hypnogram: {res.info['hypnogram_source']} (not scored by a person)")
        _print_arousal_source(res)
        for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "periodicity_index", "lm_index",
                  "n_plm_series", "n_hypnic_jerks"):
            v = s.get(k)
            if v is None and k in s["null_reasons"]:
                v = f"null ({s['null_reasons'][k]})"
            print(f"  {k:<20} {round(v, 2) if isinstance(v, float) else v}")
        print(f"  wrote {paths['events']}{', ' + paths['arousals'] if 'arousals' in paths else ''} "
              f"and {paths['summary']}" + (f"; report {paths['report']}" if "report" in paths else ""))
    return 0


def _print_arousal_source(res) -> None:
    src = res.info.get("arousal_source")
    if src == "detected":
        d = res.info["arousal_detection"]
        print(f"  arousals: {d['n']} detected in the EEG ({', '.join(d['channels'])}; rule-based, not an expert)")
        for note in d["notes"]:
            print(f"  note: {note}")
    elif src is not None:
        print(f"  arousals: {'from the scoring file' if src == 'scoring' else 'none'}")


def cmd_simulate(a) -> int:
    from ..simulate import simulate_night
    night = simulate_night(seed=a.seed, duration_h=a.hours, fs_emg=a.fs_emg, fs_eeg=a.fs_eeg,
                           emg_unit=a.unit)
    paths = night.write(a.out, a.stem or f"sim_seed{a.seed}", scoring=a.scoring,
                        include_leg_movements=a.with_leg_movements)
    print(json.dumps(paths, indent=1))
    return 0


def cmd_batch(a) -> int:
    from .batch import run_batch_cli
    return run_batch_cli(a)


def cmd_agree(a) -> int:
    from .agree import run_agree_cli
    return run_agree_cli(a)
