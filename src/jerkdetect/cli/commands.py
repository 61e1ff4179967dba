"""What each subcommand does: ``info``, ``score``, ``simulate`` (``batch`` is in :mod:`.batch`,
``agree`` in :mod:`.agree`)."""
from __future__ import annotations

import json
import os

from ..alignment.indices import with_unit
from ..pipeline.outputs import write_with_report
from .args import channel_overrides, file_stem
from .params import motor_setting, route_params


def cmd_info(a) -> int:
    """A recording (channels, roles, rates, units) and its scoring file, or a scoring file alone."""
    from ..io.edf import read_psg
    from ..io.scoring import read_scoring
    from ..pipeline.annotations_only import has_signals
    from ..pipeline.scoring_file import find_scoring_file
    if not has_signals(a.recording):  # a scoring file (XML, table, annotation-only EDF+) on its own
        if a.channel:
            from ..errors import InputError
            raise InputError(f"{a.recording} is a scoring file; --channel does not apply.")
        _print_scoring(read_scoring(a.recording))
        return 0
    rec = read_psg(a.recording, roles=channel_overrides(a.channel))
    print(rec.info())
    ann = a.annotations or find_scoring_file(a.recording)
    if ann:
        _print_scoring(read_scoring(ann, rec, force=getattr(a, "force_annotations", False)))
    else:
        print("no scoring file found next to the recording")
    return 0


def _print_scoring(sc) -> None:
    print(sc.summary())
    if sc.start is not None:
        print(f"  starts {sc.start.time() if sc.start_is_clock_time else sc.start}"
              + (" (clock time only: the file gives no date)" if sc.start_is_clock_time and sc.start.year == 1900
                 else ""))
    if sc.hypnogram is not None:
        for k, v in sc.hypnogram.summary().items():
            print(f"  {k:<18} {v if not isinstance(v, float) else round(v, 2)}")
        for n in sc.hypnogram.notes:
            print(f"  note: {n}")


def _score_one(a):
    """One night from the command line: EDF (+ scoring file), or a scoring file alone (--from-scoring)."""
    from ..pipeline.score import score
    from ..pipeline.annotations_only import has_signals, score_annotations
    from ..errors import InputError
    from ..detection import ArousalParams, DetectionParams
    from ..rules import HypnicJerkRule
    verbose = "INFO" if a.verbose else None
    params = route_params(a.param, a.rules)
    if a.from_scoring and not has_signals(a.recording):
        if a.annotations or a.channel:
            raise InputError(f"{a.recording} is a scoring file scored on its own; "
                             "--annotations and --channel do not apply.")
        extra = [f"{g}.{k}" for g in ("detection", "arousal", "motor") for k in params[g]]
        if extra:
            raise InputError(f"{a.recording} is a scoring file scored on its own (no signals): --param "
                             f"{', '.join(extra)} does not apply.")
        return score_annotations(a.recording, rules=a.rules, verbose=verbose, **params["rules"])
    return score(a.recording, annotations=a.annotations, rules=a.rules, channels=channel_overrides(a.channel),
                 leg_movements="scoring" if a.from_scoring else "emg", arousals=a.arousals,
                 staging="yasa" if a.auto_staging else "none", verbose=verbose, rule_params=params["rules"],
                 detection=DetectionParams(**params["detection"]) if params["detection"] else None,
                 arousal_params=ArousalParams(**params["arousal"]) if params["arousal"] else None,
                 hypnic=HypnicJerkRule(**params["hypnic"]) if params["hypnic"] else None,
                 force_annotations=a.force_annotations, motor=motor_setting(a.no_motor, params["motor"]))


def cmd_score(a) -> int:
    res = _score_one(a)
    report = res.report(os.path.join(a.out, f"{file_stem(a.recording)}_report.html")) if a.report else None
    paths = write_with_report(res, a.out, file_stem(a.recording), a.export, report)
    s = res.summary()
    if not a.quiet:
        print(f"{a.recording}: {res.info['rules']['name']}, annotations from {res.info['annotation_source']}")
        if str(res.info.get("hypnogram_source", "")).startswith("automatic"):
            print(f"  hypnogram: {res.info['hypnogram_source']} (not scored by a person)")
        _print_arousal_source(res)
        for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "plms_nonresp_index",
                  "periodicity_index", "lm_index", "n_plm_series", "n_hypnic_jerks"):
            if k not in s:
                continue
            v = s[k]
            text = f"null ({s['null_reasons'][k]})" if v is None and k in s["null_reasons"] else with_unit(k, v)
            print(f"  {k:<20} {text}")
        print(f"  wrote {', '.join(paths.values())}")
    return 0


def _print_arousal_source(res) -> None:
    src = res.info.get("arousal_source")
    if src == "detected":
        d = res.info["arousal_detection"]
        chin = f", {d['n_chin_supported']} of them weak shifts with a chin rise" if d.get("n_chin_supported") else ""
        print(f"  arousals: {d['n']} detected in the EEG ({', '.join(d['channels'])}{chin}; rule-based, not an expert)")
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


def cmd_params(a) -> int:
    from .params import params_table
    print(params_table())
    return 0


def cmd_compile(a) -> int:
    from ..core.kernel import aot_status
    if a.status:
        print(aot_status())
        return 0
    from .kernel_build import build_kernels
    build_kernels(target_cpu=a.cpu, say=lambda line: print(f"jerkdetect: {line}", flush=True))
    return 0


def cmd_batch(a) -> int:
    from .batch import run_batch_cli
    return run_batch_cli(a)


def cmd_agree(a) -> int:
    from .agree import run_agree_cli
    return run_agree_cli(a)
