"""What :func:`jerkdetect.agree` returns: the pooled summary, the per-night table, the nights, plots."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..evaluation.agreement import NightAgreement, disagreement, nights_table


@dataclass
class AgreementResults:
    """Agreement of the EMG scoring with a cohort's technician scoring.

    Attributes
    ----------
    out : str
        Folder of the run's files (``agreement_summary.json``, ``agreement_nights.tsv``,
        ``agreement_report.html``, the nights' own files).
    nights : list of NightAgreement
        One per night compared, sorted by name.
    failed : dict
        Night -> why it could not be compared.
    reported : dict or None
        Night -> index -> value of ``--reported`` (the lab's own figures), when given.
    """

    out: str
    summary_dict: dict
    nights: list[NightAgreement]
    failed: dict = field(default_factory=dict)
    reported: dict | None = None

    def summary(self) -> dict:
        """The pooled figures (``agreement_summary.json``): ``n_nights``, ``rules``, ``lm_f1``,
        ``lm_sensitivity``, ``lm_ppv``, ``plms_index_icc21`` (+ ``_ci95``), ``plms_index_bias``,
        ``plms_index_loa_low``/``high``..., per event set ``events`` and per index ``indices``."""
        return dict(self.summary_dict)

    def rows(self) -> list[dict]:
        """The per-night rows (``agreement_nights.tsv``), sorted by night."""
        return nights_table(self.nights, self.reported)

    @property
    def table(self):
        """pandas DataFrame of the per-night rows, indexed by night."""
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("night") if self.nights else pd.DataFrame()

    def most_disagreeing(self, n: int = 5) -> list[str]:
        """Names of the ``n`` nights whose PLMS indices differ most (then lowest F1)."""
        return [r["night"] for r in sorted(self.rows(), key=disagreement)[:n]]

    def night(self, name: str) -> NightAgreement:
        """One night's agreement (events, indices, disputed events)."""
        for n in self.nights:
            if n.night == name:
                return n
        raise KeyError(f"no night '{name}' was compared; nights: {', '.join(n.night for n in self.nights)}")

    def _pairs(self, index: str) -> tuple[list, list, dict | None]:
        entry = self.summary_dict.get("indices", {}).get(index)
        if entry is None:
            raise KeyError(f"index '{index}' was not compared; indices: "
                           f"{', '.join(self.summary_dict.get('indices', {}))}")
        rows = self.rows()
        return [r.get(f"{index}_emg") for r in rows], [r.get(f"{index}_tech") for r in rows], entry["emg_vs_tech"]

    def plot_bland_altman(self, index: str = "plms_index", ax=None):
        """Bland-Altman plot of one index, EMG minus technician (needs matplotlib)."""
        from ..reporting.agreement_figures import plot_bland_altman
        emg, tech, stats = self._pairs(index)
        return plot_bland_altman(emg, tech, ax, stats, index)

    def plot_scatter(self, index: str = "plms_index", ax=None):
        """Each night's index, technician (x) against EMG (y), with the identity line."""
        from ..reporting.agreement_figures import plot_agreement_scatter
        emg, tech, stats = self._pairs(index)
        return plot_agreement_scatter(emg, tech, ax, stats, index)

    def report(self, path: str | None = None, strips: int = 3) -> str:
        """(Re)write the HTML agreement report (default ``out/agreement_report.html``); return its path."""
        from ..reporting.agreement_report import write_agreement_report
        return write_agreement_report(self.summary_dict, self.nights, self.rows(), self.out, self.failed, strips,
                                      os.fspath(path) if path else None)

    def __repr__(self) -> str:
        s = self.summary_dict
        f = lambda v, d=3: "null" if v is None else f"{v:.{d}f}"  # noqa: E731
        return (f"<AgreementResults | {s.get('n_nights', 0)} nights ({len(self.failed)} failed), {s.get('rules')}: "
                f"LM F1 {f(s.get('lm_f1'))}, PLMS index ICC(2,1) {f(s.get('plms_index_icc21'), 2)}, "
                f"bias {f(s.get('plms_index_bias'), 2)}/h>")
