"""``jd.agree`` / ``jerkdetect agree``: agreement with a lab's own scoring over a cohort.

Every night whose scoring file carries technician-scored limb movements is scored from its leg
EMG and from those movements, by the same rules, on the batch machinery (process pool or Dask,
resumable, one bad night never stops the others; :mod:`.pool`), then pooled
(:func:`~jerkdetect.evaluation.agreement.cohort_summary`). Files, each written atomically:

* ``agreement_summary.json``: pooled figures (``n_nights``, ``rules``, ``lm_f1``,
  ``lm_sensitivity``, ``lm_ppv``, ``plms_index_icc21`` and ``_ci95``, ``plms_index_bias``,
  ``plms_index_loa_low``/``high``, and every event set and index in full);
* ``agreement_nights.tsv`` (and ``.parquet`` with pyarrow): one row per night (``night``, ``tp``,
  ``fp``, ``fn``, ``plms_index_emg``, ``plms_index_tech``...);
* ``agreement_errors.tsv``: the nights that could not be compared, and why;
* ``agreement_report.html`` (``report=True``) and per night the EMG scoring's ``X_events.tsv``,
  ``X_summary.json``, ``X_report.html`` and the comparison ``X_agreement.json``.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import time
from typing import Iterable

from ..core.atomic import atomic_write_text, temp_prefix
from ..core.log import logger
from ..core.tsv import json_default, tsv_text
from ..errors import InputError
from ..evaluation.agreement import AROUSAL_MODES, Matching, NightAgreement, cohort_summary, nights_table
from ..pipeline.compile import announce_compilation
from .agree_results import AgreementResults
from .agree_worker import agree_job
from .inputs import Job, check_unique_stems, collect_jobs
from .pool import Progress, cohort_run, plan_workers, run_jobs
from .runner import check_settings

SUMMARY_FILE, NIGHTS_FILE, ERRORS_FILE, REPORT_FILE = ("agreement_summary.json", "agreement_nights.tsv",
                                                       "agreement_errors.tsv", "agreement_report.html")
ISSUE_KEYS = ("lm_f1", "lm_sensitivity", "lm_ppv", "plms_index_icc21", "plms_index_icc21_ci95", "plms_index_bias",
              "plms_index_loa_low", "plms_index_loa_high")


def _matching(matching, tolerance_s: float, min_overlap_s: float) -> Matching:
    if isinstance(matching, Matching):
        return matching
    return Matching(str(matching), tolerance_s=tolerance_s, min_overlap_s=min_overlap_s)


def agree(inputs: Iterable[str] | list[Job], out: str, rules: str = "wasm2016", arousals: str = "scoring",
          matching: str | Matching = "overlap", tolerance_s: float = 0.5, min_overlap_s: float = 0.0,
          reported: str | None = None, report: bool | str = True, jobs: int | None = None,
          channels: dict | None = None, rule_params: dict | None = None, detection: dict | None = None,
          force: bool = False, dask_scheduler: str | None = None, dask_local: int | None = None, client=None,
          progress: str | None = None, strips: int = 3) -> AgreementResults:
    """Agreement of the EMG scoring with the technicians' leg movements over a cohort of nights.

    Parameters
    ----------
    inputs : list of str or Job
        Folders (searched recursively), globs or manifest CSV/TSV files, as for
        :func:`jerkdetect.score_many`; each recording's scoring file (found by stem, or the
        manifest's ``annotations`` column) must hold the technician's limb movements
        (Profusion / NSRR ``Limb Movement (Left/Right)``, ``PLM`` events, EDF+ annotations, CSV).
    out : str
        Output folder.
    rules : "wasm2016" (default) or "aasm2012"
        The one rule set both scorings use; ``rule_params`` override its parameters.
    arousals : "scoring" (default), "detect" or "none"
        Arousals of the EMG scoring: the file's (only the detection of leg movements differs),
        detected in the EEG (then also compared with the file's: events and arousal index), or none.
    matching : "overlap" (default), "onset" or a Matching
        How an EMG and a technician leg movement pair up, one to one: any overlap (more than
        ``min_overlap_s``), or onsets within ``tolerance_s``.
    reported : path, optional
        A table of the indices the lab's own system reported per night (``night`` column and
        index columns, :func:`~jerkdetect.batch.reported.read_reported`): adds EMG-vs-file and
        technician-vs-file agreement.
    report : bool or "cohort"
        True (default): ``agreement_report.html`` and each night's ``X_report.html``; "cohort":
        the agreement report only; False: no HTML. Needs matplotlib.
    jobs, dask_scheduler, dask_local, client, progress, force, channels, detection
        As for :func:`jerkdetect.score_many`: worker processes or a Dask cluster, the progress
        bar ("bar"), per-night log lines ("log") or silence (None); ``force`` compares again
        nights whose files are complete for the same settings and inputs (otherwise they are
        read back: an interrupted run resumes).
    strips : int
        How many of the most disagreeing nights get EMG strips of their disputed events.

    Returns
    -------
    AgreementResults
        ``summary()``, ``table`` (per night), ``plot_bland_altman()``, ``plot_scatter()``,
        ``most_disagreeing()``, ``report()``.

    Examples
    --------
    >>> import jerkdetect as jd
    >>> res = jd.agree(["lab_nights/"], out="agreement")  # doctest: +SKIP
    >>> res.summary()["lm_f1"], res.summary()["plms_index_icc21"]  # doctest: +SKIP
    """
    inputs = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    if arousals not in AROUSAL_MODES:
        raise InputError(f"arousals must be one of {', '.join(AROUSAL_MODES)}; got '{arousals}'.")
    if report not in (True, False, "cohort", "all"):
        raise InputError(f"report must be True, False or 'cohort'; got {report!r}.")
    if not isinstance(strips, int) or strips < 0:
        raise InputError(f"strips must be a whole number >= 0; got {strips!r}.")
    match = _matching(matching, tolerance_s, min_overlap_s)
    with cohort_run(out, progress, "agree.log", "jerkdetect agree"):
        if report:
            from ..reporting.mpl import require_matplotlib
            require_matplotlib()
        job_list = [j for j in inputs if isinstance(j, Job)] if inputs and isinstance(inputs[0], Job) \
            else collect_jobs([os.fspath(i) for i in inputs], channels)
        if not job_list:
            raise InputError("agree: no recordings to compare (inputs is empty).")
        check_unique_stems([j.stem for j in job_list], [j.recording for j in job_list])
        check_settings(rules, rule_params, detection)
        from .reported import read_reported
        lab = read_reported(os.fspath(reported), job_list) if reported else None
        announce_compilation()
        settings = {"rules": rules, "rule_params": dict(rule_params or {}), "detection": dict(detection or {}),
                    "arousals": arousals, "matching": dataclasses.asdict(match),
                    "arousal_matching": dataclasses.asdict(Matching("overlap")),
                    "report": report is True or report == "all"}
        logger.info("agree: %d nights, rules %s, matching %s, out %s", len(job_list), rules, match.describe(), out)
        t0 = time.perf_counter()
        bar = Progress(len(job_list), progress)
        try:
            rows = run_jobs(job_list, agree_job, dict(out_dir=out, settings=settings, force=force),
                            plan_workers(len(job_list), jobs), bar, dask_scheduler, dask_local, client)
        finally:
            bar.close()
        rows.sort(key=lambda r: r["stem"])
        nights = [NightAgreement.from_dict(r["night"]) for r in rows if r["status"] != "failed"]
        failed = {r["stem"]: r["error"] for r in rows if r["status"] == "failed"}
        summary = agreement_summary(nights, lab, failed, settings, rules)
        table = nights_table(nights, lab)
        write_tables(out, table, rows)
        results = AgreementResults(out, summary, nights, failed, lab)
        if report:
            results.report(strips=strips)
        # the summary comes last: its presence means the run's files are complete
        atomic_write_text(os.path.join(out, SUMMARY_FILE),
                          json.dumps(summary, indent=1, allow_nan=False, default=json_default) + "\n")
        logger.info("done in %.1f s: %d compared (%d read back), %d failed; LM F1 %s, PLMS index ICC(2,1) %s",
                    time.perf_counter() - t0, len(nights), sum(r["status"] == "skipped" for r in rows), len(failed),
                    summary.get("lm_f1"), summary.get("plms_index_icc21"))
        return results


def agreement_summary(nights: list[NightAgreement], reported: dict | None, failed: dict, settings: dict,
                      rules: str) -> dict:
    """:func:`~jerkdetect.evaluation.agreement.cohort_summary` and the run's own facts: the arousal
    mode, the nights compared and failed, versions of the statistics libraries used. Without any
    night compared the pooled figures are null with the reason."""
    from ..core.version import __version__
    if nights:
        s = cohort_summary(nights, reported)
    else:
        why = "no night could be compared (see agreement_errors.tsv)"
        s = {"n_nights": 0, "rules": rules, "rule_parameters": {"name": rules, **settings["rule_params"]},
             "matching": Matching(**settings["matching"]).to_dict(), **dict.fromkeys(ISSUE_KEYS),
             "events": {}, "indices": {}, "null_reasons": dict.fromkeys(ISSUE_KEYS, why)}
    s.update(arousals=settings["arousals"], nights=[n.night for n in nights], n_failed=len(failed),
             failed=dict(failed), reported_indices=sorted({k for v in (reported or {}).values() for k in v}),
             jerkdetect_version=__version__, libraries=_library_versions())
    return s


def _library_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for name in ("pingouin", "statsmodels", "scipy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def write_tables(out: str, table: list[dict], rows: list[dict]) -> None:
    """``agreement_nights.tsv`` (+ Parquet with pyarrow) and ``agreement_errors.tsv``, atomically."""
    cols = list(table[0]) if table else ["night", "tp", "fp", "fn", "plms_index_emg", "plms_index_tech"]
    atomic_write_text(os.path.join(out, NIGHTS_FILE), tsv_text(table, cols))
    if table and importlib.util.find_spec("pyarrow") is not None:
        import pandas as pd
        tmp = os.path.join(out, temp_prefix() + "agreement.parquet")
        pd.DataFrame(table, columns=cols).to_parquet(tmp, index=False)
        os.replace(tmp, os.path.join(out, NIGHTS_FILE.replace(".tsv", ".parquet")))
    err = [{"night": r["stem"], "recording": r["recording"], "error": r["error"]} for r in rows
           if r["status"] == "failed"]
    atomic_write_text(os.path.join(out, ERRORS_FILE), tsv_text(err, ["night", "recording", "error"]))
