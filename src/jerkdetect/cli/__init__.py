"""Command line: ``jerkdetect info | score | batch | agree | simulate | params | compile``."""
from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
import warnings

from .commands import cmd_agree, cmd_batch, cmd_compile, cmd_info, cmd_params, cmd_score, cmd_simulate


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with each option's default (where it has one worth showing) and examples kept as written."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "%(default)" in text or "(default:" in text or action.default is None or action.default is False \
                or action.default == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            return text
        return f"{text} (default: %(default)s)"


def _sub(sub, name: str, help: str, examples: str, description: str | None = None):
    return sub.add_parser(name, help=help, description=description or help, formatter_class=_HelpFormatter,
                          epilog="examples:\n" + examples)


def _add_arousal_option(p) -> None:
    p.add_argument("--arousals", default="auto", choices=["auto", "scoring", "detect", "none"],
                   help="arousal source: auto = the scoring file's when it has arousal scoring, else detected "
                        "in the EEG; scoring = the file's only; detect = always the EEG detector; none")


def _add_common(p) -> None:
    p.add_argument("--rules", default="wasm2016", choices=["wasm2016", "aasm2012"],
                   help="PLM rule set: WASM 2016 (Ferri et al.) or AASM 2012")
    p.add_argument("--channel", action="append", metavar="ROLE=LABEL",
                   help="name the channel of a role (leg_left, leg_right, chin, ecg, eeg, arm_left ...); "
                        "repeat for more; case and separators of LABEL do not matter, e.g. --channel leg_left=tib-l")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="set a parameter of the rule set, the EMG or arousal detector, the hypnic-jerk rule or "
                        "the motor rules, e.g. --param max_imi_s=100 --param onset_uv=10 --param alma.min_hz=0.6 "
                        "--param exclude_rhythmic_lms=false (GROUP.NAME where needed, e.g. motor.hft.stages=0,1,2,3; "
                        "'jerkdetect params' lists them all)")
    p.add_argument("--no-motor", action="store_true",
                   help="skip the motor events beyond PLM (fragmentary myoclonus, REM muscle activity, REM atonia "
                        "index, ALMA, HFT): no such rows, keys or X_rem_epochs.tsv, and leg movements within "
                        "ALMA/HFT trains are then scored as the PLM rules alone read them")
    _add_arousal_option(p)


SCORE_EXAMPLES = """  jerkdetect score night.edf                       # scoring file by stem; outputs here
  jerkdetect score night.edf --out results --rules aasm2012 --report
  jerkdetect score night.edf --annotations scoring.xml --channel leg_left='Tib L' --channel leg_right='Tib R'
  jerkdetect score night.edf --param min_imi_s=15 --param onset_uv=10 --arousals detect
  jerkdetect score night.edf --param alma.min_hz=0.6 --param exclude_rhythmic_lms=false
  jerkdetect score night.edf --no-motor                 # leg movements, PLM and jerks only
  jerkdetect score shhs1-200001-nsrr.xml --from-scoring --out results
"""
BATCH_EXAMPLES = """  jerkdetect batch /data/cohort --out results --jobs 8
  jerkdetect batch manifest.csv --out results --report
  jerkdetect batch "/data/**/*.edf" --out results --dask-local 4 --quiet
  jerkdetect batch /data/nsrr/xml --from-scoring --out results --rules aasm2012
  jerkdetect batch /data/cohort --out results --param rem.tonic_fraction=0.5 --no-motor
"""
INFO_EXAMPLES = """  jerkdetect info night.edf                        # channels, roles, rates, units; its scoring file
  jerkdetect info night.edf --annotations other.xml
  jerkdetect info night.xml                        # a scoring file on its own
"""
SIMULATE_EXAMPLES = """  jerkdetect simulate --out sim --seed 3 --hours 2
  jerkdetect simulate --out sim --fs-emg 256 --unit mV --scoring tsv --with-leg-movements
"""
PARAMS_EXAMPLES = """  jerkdetect params                                # every parameter, tab-separated
  jerkdetect params | grep rules                   # the rule sets' parameters
  jerkdetect params | grep ^motor                  # the motor rules' (FM, REM, RAI, ALMA, HFT)
"""
COMPILE_EXAMPLES = """  jerkdetect compile                               # once after installing (about 1 min)
  jerkdetect compile --cpu generic                 # one build for every node of a cluster
  jerkdetect compile --status                      # would a command use the build, and if not, why
"""
AGREE_EXAMPLES = """  jerkdetect agree /data/scored_cohort --out agreement
  jerkdetect agree manifest.csv --out agreement --rules aasm2012 --match onset --tolerance 0.5
  jerkdetect agree /data/cohort --out agreement --reported lab_indices.tsv --jobs 8
"""
MAIN_EXAMPLES = """  jerkdetect score sample_data/sample_night.edf --out results
  jerkdetect info sample_data/sample_night.edf
  jerkdetect batch /data/cohort --out results --report
  jerkdetect params
Run 'jerkdetect COMMAND --help' for a command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jerkdetect", description="Score hypnic jerks and periodic limb "
                                "movements in PSG recordings (AASM 2012 / WASM 2016).",
                                formatter_class=_HelpFormatter, epilog="examples:\n" + MAIN_EXAMPLES)
    from ..core.version import __version__
    p.add_argument("--version", action="version", version=f"jerkdetect {__version__}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND", title="commands")

    i = _sub(sub, "info", "show a recording's channels, roles, rates and units and its scoring file, "
                          "or a scoring file on its own", INFO_EXAMPLES)
    i.add_argument("recording", help="EDF/BDF recording, or a scoring file (NSRR/Profusion XML, EDF+ "
                                     "annotations, events table)")
    i.add_argument("--annotations", help="scoring file (default: found next to the recording by stem)")
    i.add_argument("--channel", action="append", metavar="ROLE=LABEL",
                   help="name the channel of a role, e.g. --channel leg_left=EMG3 (repeatable)")
    i.set_defaults(func=cmd_info)

    s = _sub(sub, "score", "score one recording; writes X_events.tsv and X_summary.json", SCORE_EXAMPLES)
    s.add_argument("recording", help="EDF/BDF recording, or with --from-scoring a scoring file alone "
                                     "(NSRR/Profusion XML, EDF+ annotations)")
    s.add_argument("--annotations", help="scoring file (default: found next to the recording by stem, "
                                         "else the EDF+'s own annotations)")
    _add_common(s)
    s.add_argument("--auto-staging", action="store_true",
                   help="stage a recording without hypnogram automatically (YASA; extra jerkdetect[staging])")
    s.add_argument("--from-scoring", action="store_true",
                   help="score the leg movements marked in the scoring file instead of the EMG; "
                        "RECORDING may then be the scoring file itself (no EDF needed)")
    s.add_argument("--out", default=".", help="output folder (default: the current folder)")
    s.add_argument("--force-annotations", action="store_true",
                   help="use a scoring file that does not look like the recording's (another length, start or "
                        "day), which is otherwise refused; the summary records why")
    s.add_argument("--export", action="store_true",
                   help="also write X_bids_events.tsv (+ .json sidecar) and X_scored.edf (EDF+ annotations)")
    s.add_argument("--report", action="store_true",
                   help="also write X_report.html, a self-contained report of the night (needs matplotlib)")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    s.add_argument("--verbose", action="store_true",
                   help="also log each step (reading, detection, rules) with its timing on stderr")
    s.set_defaults(func=cmd_score)

    b = _sub(sub, "batch", "score many recordings (process pool or Dask), resumable", BATCH_EXAMPLES)
    b.add_argument("inputs", nargs="+", help="folders (searched recursively), globs or a manifest CSV/TSV")
    b.add_argument("--out", required=True, help="output folder (required: it also holds the batch's state)")
    _add_common(b)
    b.add_argument("--jobs", type=int, default=None,
                   help="worker processes, never more than nights (default: the cores available)")
    b.add_argument("--dask-scheduler", metavar="ADDRESS", help="run on a dask.distributed cluster")
    b.add_argument("--dask-local", type=int, metavar="N", help="run on a local Dask cluster of N workers")
    b.add_argument("--force", action="store_true", help="rescore nights whose outputs are complete")
    b.add_argument("--quiet", action="store_true", help="one log line per night instead of a progress bar")
    b.add_argument("--no-export", action="store_true",
                   help="skip the BIDS events and EDF+ annotation exports of each night")
    b.add_argument("--from-scoring", action="store_true",
                   help="score the leg movements of the scoring files; XML files without a recording "
                        "are scored on their own")
    b.add_argument("--report", nargs="?", const="all", choices=["all", "cohort"],
                   help="write cohort_report.html and each night's X_report.html (--report cohort: "
                        "the cohort report only); needs matplotlib")
    b.set_defaults(func=cmd_batch)

    g = _sub(sub, "agree", "agreement of the EMG scoring with the technicians' leg movements over a cohort "
             "(events, indices, ICC, Bland-Altman), resumable", AGREE_EXAMPLES)
    g.add_argument("inputs", nargs="+", help="folders, globs or a manifest CSV/TSV; each recording's scoring "
                                             "file must hold the technician's limb movements")
    g.add_argument("--out", required=True, help="output folder")
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
    g.add_argument("--channel", action="append", metavar="ROLE=LABEL",
                   help="override a channel role for every night, e.g. --channel leg_left='EMG Tib L'")
    g.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="set a rule-set or EMG detection parameter (see 'jerkdetect params')")
    g.add_argument("--force", action="store_true",
                   help="compare again nights whose files are complete (default: read them back and resume)")
    g.add_argument("--quiet", action="store_true", help="no progress bar (for logs)")
    g.set_defaults(func=cmd_agree)

    m = _sub(sub, "simulate", "write a simulated night (EDF+, scoring file, truth JSON)", SIMULATE_EXAMPLES)
    m.add_argument("--out", required=True, help="output folder")
    m.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same night")
    m.add_argument("--hours", type=float, default=8.0, help="length of the night in hours")
    m.add_argument("--fs-emg", type=float, default=512.0, help="sampling rate of the leg and chin EMG (Hz)")
    m.add_argument("--fs-eeg", type=float, default=256.0, help="sampling rate of EEG, EOG and ECG (Hz)")
    m.add_argument("--unit", default="uV", choices=["uV", "mV", "V"], help="physical unit of the EMG channels")
    m.add_argument("--scoring", default="xml", choices=["xml", "tsv"],
                   help="scoring file format: NSRR XML or a BIDS-style events table")
    m.add_argument("--stem", help="file name stem (default: sim_seedN)")
    m.add_argument("--with-leg-movements", action="store_true",
                   help="also write the true leg movements into the scoring file")
    m.set_defaults(func=cmd_simulate)

    r = _sub(sub, "params", "list every parameter --param can set, with its default, unit and source",
             PARAMS_EXAMPLES)
    r.set_defaults(func=cmd_params)

    c = _sub(sub, "compile", "compile the kernels ahead of time, so that later commands start without Numba",
             COMPILE_EXAMPLES, description="Compile the kernels ahead of time (Numba's AOT compiler, needs a C "
             "compiler) for the argument types this machine has used; later commands then start ~0.7 s faster "
             "and use ~90 MB less memory, with identical results. Run it again after upgrading jerkdetect, "
             "NumPy or Numba (until then commands use Numba's JIT, as without a build).")
    c.add_argument("--cpu", default="auto", choices=["auto", "host", "generic"],
                   help="host: tuned for this machine's CPU, as Numba's JIT is (used only on CPUs with the same "
                        "features); generic: runs on every CPU of the architecture (cluster nodes sharing one "
                        "file system; the EMG filter ~30%% slower); auto: host where the CPU's features can be "
                        "read (Linux), else generic")
    c.add_argument("--status", action="store_true", help="only say whether commands use a build, and if not why")
    c.set_defaults(func=cmd_compile)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit status 0 ok, 2 for every usage or input error, 1 when a batch
    or an agreement run has failed nights, 130 on Ctrl-C. A closed output pipe (``| head``) ends quietly."""
    from ..errors import JerkdetectError
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cmd is None:  # the bare command: what it can do, and how
        parser.print_help()
        return 0
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


_EXIT_HOOK = []  # set once the hook below is registered


def console_main(argv: list[str] | None = None) -> int:
    """The ``jerkdetect`` command and ``python -m jerkdetect``: :func:`main`, in a process that
    ends with it, so its exit skips Python's final garbage-collection passes over every object
    (~40 ms of a ~1-s fresh ``jerkdetect score``: the passes are most of Python's exit).

    An exit hook freezes the objects left then (:func:`gc.freeze`): the interpreter's last passes
    skip frozen objects, and the system frees the memory. The command's files are written and
    closed by then (each one atomically), its pools shut down, and the standard streams and
    logging are still flushed. Only the command's own entry points register it: a program that
    calls :func:`main` keeps its usual exit (its own objects collected and closed).
    """
    if not _EXIT_HOOK:
        atexit.register(gc.freeze)
        _EXIT_HOOK.append(True)
    return main(argv)


def _silence_stdout() -> None:
    """The reader of stdout went away: point stdout at /dev/null so the exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
