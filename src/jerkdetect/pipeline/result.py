"""The results object returned by :func:`jerkdetect.score` (YASA-style: summary, masks, plots)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.hypnogram import Hypnogram
from ..rules.base import LegMovements
from . import outputs
from ..core.tsv import tsv_text
from .events import EVENT_COLUMNS, annotation_text, event_rows, label_rows, motor_event_rows

@dataclass
class ScoringResult:
    """Scored leg movements and hypnic jerks of one night, with indices and writers.

    Attributes
    ----------
    lm : LegMovements
        One row per leg movement under the chosen rules (bilateral = one row).
    jerks : dict
        Hypnic jerks: onset, offset, peak_uv, muscles, arousal, transition.
    hypnogram : Hypnogram or None
    info : dict
        Rule set and parameters, channels, annotation source, version, warnings.
    detected_arousals : Arousals or None
        Arousals found in the EEG (``score(arousals="detect")``, or "auto" without scored ones).
    scored_arousals : (n, 2) array or None
        The scoring file's arousals, when it has arousal scoring.
    respiratory_events : (n, 2) array or None
        The scoring file's apneas, hypopneas and RERAs (onset, duration), when it has respiratory
        scoring (see :attr:`jerkdetect.io.scoring.Scoring.has_respiratory`).
    motor : MotorEvents or None
        Fragmentary myoclonus, REM muscle activity, REM atonia index, ALMA and HFT
        (:mod:`jerkdetect.rules.motor_events`); None with ``score(motor=False)``.
    """

    lm: LegMovements
    jerks: dict
    hypnogram: Hypnogram | None
    lm_stage: np.ndarray
    jerk_stage: np.ndarray
    indices: dict
    by_stage: list[dict]
    info: dict = field(default_factory=dict)
    bursts: dict = field(default_factory=dict)
    unscorable: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    detected_arousals: object = None
    scored_arousals: np.ndarray | None = None
    respiratory_events: np.ndarray | None = None
    motor: object = None

    def imis_in_sleep(self) -> np.ndarray:
        """The inter-movement intervals (s) the ``imi_*`` indices describe: candidate LMs in sleep."""
        from ..alignment.indices import sleep_imis
        return sleep_imis(self.lm, self.lm_stage, self.hypnogram)

    def unscorable_by_leg(self) -> dict[str, np.ndarray]:
        """Each leg's own unscorable stretches (lead-off, noise), (n, 2) arrays in seconds."""
        return {r: np.asarray(b.unscorable, float).reshape(-1, 2) for r, b in self.bursts.items()
                if r in ("leg_left", "leg_right")}

    def unscorable_one_leg(self) -> np.ndarray:
        """Stretches where exactly one leg is unscorable (still scored on the other leg)."""
        from ..core.intervals import merge_intervals
        per = list(self.unscorable_by_leg().values())
        if not per:
            return np.zeros((0, 2))
        both = self.unscorable
        out = []
        for a, b in merge_intervals(np.concatenate(per)):
            cuts = [(max(a, s), min(b, e)) for s, e in both if min(b, e) > max(a, s)]
            t = a
            for s, e in cuts:
                if s > t:
                    out.append((t, s))
                t = max(t, e)
            if b > t:
                out.append((t, b))
        return np.asarray(out, float).reshape(-1, 2)

    # ------------------------------------------------------------- tables
    def event_rows(self) -> list[dict]:
        """Events as plain dicts sorted by onset (no pandas needed): leg movements, hypnic jerks,
        fragmentary-myoclonus potentials, ALMA and HFT episodes."""
        rows = event_rows(self.lm, self.lm_stage, self.jerks, self.jerk_stage)
        if self.motor is not None:
            labels = {m: self.info.get("channels", {}).get(r, r) for r, m in
                      (("leg_left", "left"), ("leg_right", "right"), ("chin", "chin"), ("arm_left", "arm_left"),
                       ("arm_right", "arm_right"))}
            rows += motor_event_rows(self.motor, labels)
            rows.sort(key=lambda r: (r["onset"], r["label"]))
        return rows

    def rem_epoch_rows(self) -> list[dict]:
        """``X_rem_epochs.tsv`` as plain dicts: one per REM epoch (onset, tonic, phasic_minis,
        any_minis, scored, reason, ...); empty without motor scoring or REM sleep."""
        if self.motor is None:
            return []
        cols = self.motor.rem_epoch_rows()
        return [dict(zip(cols, vals)) for vals in zip(*cols.values())]

    @property
    def events(self):
        """pandas DataFrame, one row per scored event (times in s from the recording start)."""
        import pandas as pd
        df = pd.DataFrame(self.event_rows(), columns=list(EVENT_COLUMNS))
        df["series"] = df["series"].astype("Int64")
        return df

    def summary(self, by: str | None = None, as_frame: bool = False):
        """Night indices as a dict; ``by="stage"`` gives a per-stage DataFrame, ``as_frame=True``
        a one-row DataFrame (see :meth:`summary_frame`)."""
        if as_frame and by is None:
            return self.summary_frame()
        if by == "stage":
            import pandas as pd
            return pd.DataFrame(self.by_stage).set_index("stage")
        if by is not None:
            raise ValueError("by must be None or 'stage'")
        return dict(self.indices)

    @property
    def n_lm(self) -> int:
        """Number of LMs: candidate leg movements (see ``LABEL_ROWS``), the one count that the
        repr, ``summary()["n_lm"]``, ``onsets("lm")`` and ``compare(label="lm")`` all use."""
        from ..alignment.indices import count_lm
        return count_lm(self.lm)

    def _rows(self, label: str) -> list[dict]:
        """Event rows of one kind: 'lm' (candidate LMs, periodic or not), 'plm', 'lm_long', 'hypnic_jerk',
        'fragmentary_myoclonus', 'alma', 'hft'."""
        kinds = label_rows(label)
        return [r for r in self.event_rows() if r["label"] in kinds]

    def get_mask(self, fs: float, label: str = "plm", n_samples: int | None = None) -> np.ndarray:
        """Boolean mask at ``fs`` Hz that is True during events of ``label`` ('lm', 'plm', 'lm_long', 'hypnic_jerk')."""
        from ..io.checks import check_rate
        rows = self._rows(label)
        fs = check_rate(fs, label, "get_mask")
        dur = self.info.get("duration_s", max((r["onset"] + r["duration"] for r in rows), default=0))
        n = n_samples if n_samples is not None else int(round(dur * fs))
        mask = np.zeros(n, bool)
        for r in rows:
            mask[int(round(r["onset"] * fs)): int(round((r["onset"] + r["duration"]) * fs)) + 1] = True
        return mask

    def write_bids(self, path: str) -> tuple[str, str]:
        """BIDS-style ``events.tsv`` (``trial_type``) plus its JSON sidecar."""
        return outputs.write_bids_events(self, path)

    def write_edf_annotations(self, path: str) -> str:
        """The scored events as an annotation-only EDF+ file (EDFbrowser, ``mne.read_annotations``)."""
        return outputs.write_edf_annotations(self, path)

    def to_annotations(self):
        """The scored events, and detected arousals, as ``mne.Annotations`` (onsets relative to the
        recording start), spelt as in the EDF+ export (``plm bilateral``; see
        :func:`~jerkdetect.pipeline.events.annotation_text`)."""
        import mne
        rows = outputs.export_rows(self)
        return mne.Annotations([r["onset"] for r in rows], [r["duration"] for r in rows],
                               [annotation_text(r) for r in rows])

    # ------------------------------------------------------------- files
    def events_tsv(self) -> str:
        """``X_events.tsv`` as text."""
        return tsv_text(self.event_rows(), EVENT_COLUMNS)

    def summary_dict(self) -> dict:
        """What ``X_summary.json`` holds: indices, per-stage table, every parameter and source.

        Run timings are left out so the same night and parameters always give the same file.
        """
        return outputs.summary_dict(self)

    def write(self, out_dir: str, stem: str, export: bool = False) -> dict[str, str]:
        """Write ``stem_events.tsv`` and ``stem_summary.json`` atomically; return their paths.

        With ``export`` also ``stem_bids_events.tsv`` (+ JSON sidecar) and ``stem_scored.edf``;
        with detected arousals also ``stem_arousals.tsv``.
        The summary is written last, so its presence means every file of the night is complete.
        """
        return outputs.write_night(self, out_dir, stem, export)

    # ------------------------------------------------------------- plots and comparison
    def plot_events(self, ax=None, tmin: float | None = None, tmax: float | None = None):
        """Hypnogram with the scored events on top (needs matplotlib); ``tmin``/``tmax`` (s) zoom in."""
        from ..reporting.plots import plot_night
        return plot_night(self, ax=ax, tmin=tmin, tmax=tmax)

    def plot_imi(self, ax=None):
        """Histogram of inter-movement intervals (log-spaced bins, as in Ferri et al.)."""
        from ..reporting.plots import plot_imi_histogram
        return plot_imi_histogram(self, ax=ax)

    def onsets(self, label: str = "lm") -> np.ndarray:
        """Onsets of one kind of event: 'lm' (candidate LMs), 'plm', 'lm_long', 'hypnic_jerk'."""
        return np.array([r["onset"] for r in self._rows(label)])

    def compare(self, reference, label: str = "lm", tolerance: float = 0.5) -> dict:
        """Precision, recall and F1 of this night's ``label`` events against a reference.

        ``reference`` is an array of onsets (e.g. a technician's scoring) or another
        :class:`ScoringResult` (e.g. the same night under the other rule set).
        """
        from ..evaluation.matching import match_onsets
        ref = reference.onsets(label) if isinstance(reference, ScoringResult) else np.asarray(reference, float)
        return match_onsets(self.onsets(label), ref, tolerance)

    def compare_arousals(self, reference=None) -> dict:
        """Detected arousals against scored ones: event F1 and agreement of the LM arousal links.

        Score with ``arousals="detect"`` on a night that has scored arousals (or pass
        ``reference``, an (n, 2) array of onset, duration). See
        :func:`jerkdetect.evaluation.arousals.compare_arousals`.
        """
        from ..evaluation.arousals import compare_arousals
        return compare_arousals(self, reference)

    # ------------------------------------------------------------- notebook and reports
    def summary_frame(self, name: str | None = None):
        """The night's indices as a one-row DataFrame (index: the recording's stem), for ``pd.concat``.

        Nested values are flattened (``imi_iqr_s_low``/``_high``, ``unscorable_min_leg_left``...);
        ``null_reasons`` stays out (see :meth:`summary`).

        Examples
        --------
        >>> import jerkdetect as jd
        >>> jd.score(jd.sample_path()).summary_frame().index.tolist()
        ['sample_night']
        """
        return outputs.summary_frame(self, name)

    def plot_event(self, i: int, ax=None, pad: float = 10.0, filtered: bool = False):
        """Raw leg and chin EMG around event ``i`` (a row of :attr:`events`), read from the
        recording on demand; ``filtered=True`` shows it through the detector's band-pass (needs
        matplotlib)."""
        from ..reporting.plots import plot_event
        return plot_event(self, i, ax=ax, pad=pad, filtered=filtered)

    def report(self, path: str) -> str:
        """Write a self-contained HTML report of the night (``X_report.html``); return its path.

        Recording facts, rule set and parameters, indices with their null reasons, the per-stage
        table, the hypnogram with the event raster, the IMI histogram and EMG around example
        events, as inline PNGs: no scripts, no network. Needs matplotlib.
        """
        from ..reporting.night_report import write_night_report
        return write_night_report(self, path)

    def rescore(self, rules=None, rule_params=None, hypnic=None, motor=None, verbose=None, **params) -> "ScoringResult":
        """This night scored again under other rules (leg-movement and PLM rules, hypnic jerks,
        motor events), reusing its recording, scoring file, EMG bursts and arousals: the result
        :func:`jerkdetect.score` gives with those arguments, in a fraction of the time. See
        :func:`jerkdetect.pipeline.score.rescore`.

        Examples
        --------
        >>> import jerkdetect as jd
        >>> res = jd.score(jd.sample_path())
        >>> res.rescore(max_imi_s=60).info["rules"]["max_imi_s"]
        60.0
        """
        from .score import rescore
        return rescore(self, rules, rule_params, hypnic, motor, verbose, **params)

    def compare_truth(self, truth, tolerance: float = 0.5) -> dict:
        """F1 of LMs, PLMs and hypnic jerks against a simulated night's truth (path or dict).

        See :func:`jerkdetect.simulate.compare_with_truth`, which this calls.
        """
        from ..evaluation.truth import compare_with_truth
        return compare_with_truth(self, truth, tolerance)

    def _repr_html_(self) -> str:
        from ..core.reprs import result_html
        return result_html(self)

    def __repr__(self) -> str:
        i = self.indices
        pl = i.get("plms_index")
        nj = i.get("n_hypnic_jerks")
        return (f"<ScoringResult | {self.info.get('rules', {}).get('name', '?')}: {self.n_lm} LMs, "
                f"{i.get('n_plm', 0)} PLMs, PLMS index {pl if pl is None else round(pl, 1)}, "
                f"{'hypnic jerks not scored' if nj is None else f'{nj} hypnic jerks'}>")


