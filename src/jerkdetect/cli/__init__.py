"""Command line: ``jerkdetect info | score | batch | agree | simulate``."""
from __future__ import annotations

import argparse
import os
import sys
import warnings

from .commands import cmd_agree, cmd_batch, cmd_info, cmd_score, cmd_simulate


def _add_arousal_option(p) -> None:
    p.add_argument("--arousals", default="auto", choices=["auto", "scoring", "detect", "none"],
                   help="arousal source: the scoring file's when it has them, else detected in the EEG "
                        "(auto, default); scoring only; always detect; none")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jerkdetect", description="Score hypnic jerks and periodic limb "
                                "movements in PSG recordings (AASM 2012 / WASM 2016).")
    from ..core.version import __version__
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

    g = sub.add_parser("agree", help="agreement of the EMG scoring with the technicians' leg movements over a "
                                     "cohort (events, indices, ICC, Bland-Altman), resumable")
    g.add_argument("inputs", nargs="+", help="folders, globs or a manifest CSV/TSV; each recording's scoring "
                                             "file must hold the technician's limb movements")
    g.add_argument("--out", required=True)
    g.add_argument("--rules", default="wasm2016", choices=["wasm2016", "aasm2012"],
                   help="the one rule set both scorings use")
    g.add_argument("--arousals", default="scoring", choices=["scoring", "detect", "none"],
                   help="arousals of the EMG scoring: the file's (default: only leg-movement detection "
                        "differs), detected in the EEG and compared with the file's, or none")
    g.add_argument("--match", default="overlap", choices=["overlap", "onset"],
                   help="event matching, one to one: any overlap (default) or onsets within --tolerance")
    g.add_argument("--tolerance", type=float, default=0.5, metavar="S", help="onset tolerance of --match onset (s)")
    g.add_argument("--min-overlap", type=float, default=0.0, metavar="S",
                   help="overlap a pair must exceed under --match overlap (s, default 0)")
    g.add_argument("--reported", metavar="TABLE",
                   help="CSV/TSV of the indices the lab's system reported per night (a 'night' column and "
                        "plms_index, plmw_index, ... columns): also compared")
    g.add_argument("--report", default="all", choices=["all", "cohort", "none"],
                   help="agreement_report.html and each night's X_report.html (all, default), the agreement "
                        "report only (cohort), or no HTML (none)")
    g.add_argument("--strips", type=int, default=3, metavar="N",
                   help="EMG strips of disputed events for the N most disagreeing nights (default 3)")
    g.add_argument("--jobs", type=int, default=None, help="worker processes (default: available cores)")
    g.add_argument("--dask-scheduler", metavar="ADDRESS", help="run on a dask.distributed cluster")
    g.add_argument("--dask-local", type=int, metavar="N", help="run on a local Dask cluster of N workers")
    g.add_argument("--channel", action="append", metavar="ROLE=LABEL")
    g.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a rule parameter")
    g.add_argument("--force", action="store_true",
                   help="compare again nights whose files are complete (default: read them back and resume)")
    g.add_argument("--quiet", action="store_true", help="no progress bar (for logs)")
    g.set_defaults(func=cmd_agree)

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
    or an agreement run has failed nights, 130 on Ctrl-C. A closed output pipe (``| head``) ends quietly."""
    from ..errors import JerkdetectError
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
