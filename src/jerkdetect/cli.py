"""Command line: ``jerkdetect info | score | batch | simulate``."""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings


def _channels(pairs: list[str] | None) -> dict[str, str]:
    from .errors import InputError
    from .io.channels import ROLES
    from ._names import check_names
    out = {}
    for p in pairs or []:
        k, eq, v = p.partition("=")
        if not eq or not k.strip() or not v.strip():
            raise InputError(f"--channel takes ROLE=LABEL (e.g. leg_left='EMG Tib L'), got '{p}'.")
        check_names([k.strip()], ROLES, "channel role", "--channel")
        out[k.strip()] = v.strip()
    return out


def _params(pairs: list[str] | None, rules: str = "wasm2016") -> dict[str, float]:
    """``--param NAME=VALUE`` overrides of rule parameters (numbers); unknown names raise."""
    import math

    from .errors import InputError
    out = {}
    for p in pairs or []:
        k, _, v = p.partition("=")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise InputError(f"--param takes NAME=NUMBER (e.g. max_imi_s=100), got '{p}'.") from None
        if not math.isfinite(out[k.strip()]):
            raise InputError(f"--param {k.strip()} must be a finite number, got '{v}'.")
    from ._names import check_names
    from .rules import rule_param_names
    check_names(out, rule_param_names(rules), "rule parameter", f"--param ({rules})")
    return out


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def cmd_info(a) -> int:
    from . import read_psg
    from .io.scoring import read_scoring
    from .scoring import find_scoring_file
    rec = read_psg(a.recording, roles=_channels(a.channel))
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
    from . import score
    from .annotations_only import has_signals, score_annotations
    from .errors import InputError
    verbose = "INFO" if a.verbose else None
    params = _params(a.param, a.rules)
    if a.from_scoring and not has_signals(a.recording):
        if a.annotations or a.channel:
            raise InputError(f"{a.recording} is a scoring file scored on its own; "
                             "--annotations and --channel do not apply.")
        return score_annotations(a.recording, rules=a.rules, verbose=verbose, **params)
    return score(a.recording, annotations=a.annotations, rules=a.rules, channels=_channels(a.channel),
                 leg_movements="scoring" if a.from_scoring else "emg", arousals=a.arousals,
                 staging="yasa" if a.auto_staging else "none", verbose=verbose, rule_params=params)


def cmd_score(a) -> int:
    res = _score_one(a)
    paths = res.write(a.out, _stem(a.recording), export=a.export)
    if a.report:
        paths["report"] = res.report(os.path.join(a.out, f"{_stem(a.recording)}_report.html"))
    s = res.summary()
    if not a.quiet:
        print(f"{a.recording}: {res.info['rules']['name']}, annotations from {res.info['annotation_source']}")
        if str(res.info.get("hypnogram_source", "")).startswith("automatic"):
            print(f"  hypnogram: {res.info['hypnogram_source']} (not scored by a person)")
        _print_arousal_source(res)
        for k in ("tst_min", "plms_index", "plmw_index", "plms_arousal_index", "periodicity_index", "lm_index",
                  "n_plm_series", "n_hypnic_jerks"):
            v = s.get(k)
            print(f"  {k:<20} {'null (' + s['null_reasons'][k] + ')' if v is None and k in s['null_reasons'] else v if not isinstance(v, float) else round(v, 2)}")
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


def _add_arousal_option(p) -> None:
    p.add_argument("--arousals", default="auto", choices=["auto", "scoring", "detect", "none"],
                   help="arousal source: the scoring file's when it has them, else detected in the EEG "
                        "(auto, default); scoring only; always detect; none")


def cmd_simulate(a) -> int:
    from .simulate import simulate_night
    night = simulate_night(seed=a.seed, duration_h=a.hours, fs_emg=a.fs_emg, fs_eeg=a.fs_eeg,
                           emg_unit=a.unit)
    paths = night.write(a.out, a.stem or f"sim_seed{a.seed}", scoring=a.scoring,
                        include_leg_movements=a.with_leg_movements)
    print(json.dumps(paths, indent=1))
    return 0


def cmd_batch(a) -> int:
    from .batch.cli import run_batch_cli
    return run_batch_cli(a)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jerkdetect", description="Score hypnic jerks and periodic limb "
                                "movements in PSG recordings (AASM 2012 / WASM 2016).")
    from . import __version__
    p.add_argument("--version", action="version", version=f"jerkdetect {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)

    i = sub.add_parser("info", help="show channels, roles, rates, units and the hypnogram of a recording")
    i.add_argument("recording")
    i.add_argument("--annotations")
    i.add_argument("--channel", action="append", metavar="ROLE=LABEL")
    i.set_defaults(func=cmd_info)

    s = sub.add_parser("score", help="score one recording; writes X_events.tsv and X_summary.json")
    s.add_argument("recording", help="EDF/BDF recording, or with --from-scoring a scoring file alone "
                                     "(NSRR/Profusion XML, EDF+ annotations)")
    s.add_argument("--annotations", help="scoring file (default: found next to the recording by stem)")
    s.add_argument("--rules", default="wasm2016", choices=["wasm2016", "aasm2012"])
    s.add_argument("--channel", action="append", metavar="ROLE=LABEL",
                   help="override a channel role, e.g. --channel leg_left='EMG Tib L'")
    s.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a rule parameter")
    _add_arousal_option(s)
    s.add_argument("--auto-staging", action="store_true",
                   help="stage a recording without hypnogram automatically (YASA; extra jerkdetect[staging])")
    s.add_argument("--from-scoring", action="store_true",
                   help="score the leg movements marked in the scoring file instead of the EMG; "
                        "RECORDING may then be the scoring file itself (no EDF needed)")
    s.add_argument("--out", required=True)
    s.add_argument("--export", action="store_true",
                   help="also write X_bids_events.tsv (+ .json sidecar) and X_scored.edf (EDF+ annotations)")
    s.add_argument("--report", action="store_true",
                   help="also write X_report.html, a self-contained report of the night (needs matplotlib)")
    s.add_argument("--quiet", action="store_true")
    s.add_argument("--verbose", action="store_true")
    s.set_defaults(func=cmd_score)

    b = sub.add_parser("batch", help="score many recordings (process pool or Dask), resumable")
    b.add_argument("inputs", nargs="+", help="folders, globs or a manifest CSV/TSV")
    b.add_argument("--out", required=True)
    b.add_argument("--rules", default="wasm2016", choices=["wasm2016", "aasm2012"])
    b.add_argument("--jobs", type=int, default=None, help="worker processes (default: available cores)")
    b.add_argument("--dask-scheduler", metavar="ADDRESS", help="run on a dask.distributed cluster")
    b.add_argument("--dask-local", type=int, metavar="N", help="run on a local Dask cluster of N workers")
    b.add_argument("--channel", action="append", metavar="ROLE=LABEL")
    b.add_argument("--param", action="append", metavar="NAME=VALUE")
    _add_arousal_option(b)
    b.add_argument("--force", action="store_true", help="rescore nights whose outputs are complete")
    b.add_argument("--quiet", action="store_true", help="no progress bar (for logs)")
    b.add_argument("--no-export", action="store_true",
                   help="skip the BIDS events and EDF+ annotation exports of each night")
    b.add_argument("--from-scoring", action="store_true",
                   help="score the leg movements of the scoring files; XML files without a recording "
                        "are scored on their own")
    b.add_argument("--report", nargs="?", const="all", choices=["all", "cohort"],
                   help="write cohort_report.html and each night's X_report.html (--report cohort: "
                        "the cohort report only); needs matplotlib")
    b.set_defaults(func=cmd_batch)

    m = sub.add_parser("simulate", help="write a simulated night (EDF+, scoring file, truth JSON)")
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--hours", type=float, default=8.0)
    m.add_argument("--fs-emg", type=float, default=512.0)
    m.add_argument("--fs-eeg", type=float, default=256.0)
    m.add_argument("--unit", default="uV", choices=["uV", "mV", "V"])
    m.add_argument("--scoring", default="xml", choices=["xml", "tsv"])
    m.add_argument("--stem")
    m.add_argument("--with-leg-movements", action="store_true",
                   help="also write the true leg movements into the scoring file")
    m.set_defaults(func=cmd_simulate)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit status 0 ok, 2 for every usage or input error, 1 when a batch
    has failed nights, 130 on Ctrl-C. A closed output pipe (``| head``) ends quietly."""
    from .errors import JerkdetectError
    args = build_parser().parse_args(argv)
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    try:
        rc = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return rc
    except JerkdetectError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as e:  # e.g. --out names a file, a folder without write permission
        print(f"error: {e.filename or ''}: {e.strerror or e}.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _silence_stdout() -> None:
    """The reader of stdout went away: point stdout at /dev/null so the exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
