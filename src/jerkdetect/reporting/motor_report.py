"""The night report's motor sections (issue 16): a REM panel (RAI, the AASM and SINBAR
percentages, which REM epochs were scored and why not, the mini-epoch raster) and the other motor
events (fragmentary myoclonus per muscle, EFM, ALMA and HFT episodes)."""
from __future__ import annotations

from html import escape

from ..core.hypnogram import STAGE_NAMES
from ..core.html import img, kv_table, table


def _value(summary: dict, key: str, fmt=None):
    """A summary value, or ``null (why)``."""
    v = summary.get(key)
    if v is None:
        return f"null ({summary.get('null_reasons', {}).get(key, 'not computed')})"
    return fmt(v) if fmt else v


def _pct(v) -> str:
    return f"{v:.1f} %"


def rem_panel(res) -> list[str]:
    """RAI, tonic / phasic / any percentages, scored epochs and reasons, per-muscle table, raster."""
    from .motor_figures import rem_raster_figure
    from .mpl import png_b64
    s, m = res.summary(), res.motor
    rem = s["motor"]["rem"]
    rai = s["motor"]["rai"]
    cut = rem.get("rem_cutoffs", {})
    not_scored = rem.get("rem_epochs_not_scored") or {}
    facts = [
        ("REM atonia index (chin, Ferri)", _value(s, "rai", lambda v: f"{v:.3f} ({rai['category']}: < 0.8 reduced, "
                                                                        "0.8-0.9 borderline, > 0.9 normal)")),
        ("AASM tonic epochs (chin)", _value(s, "rem_tonic_pct", _pct)),
        ("AASM phasic epochs (chin or limbs)", _value(s, "rem_phasic_pct", _pct)),
        ("SINBAR any, mentalis", _value(s, "rem_any_pct", lambda v: f"{v:.1f} % (cut-off "
                                                                     f"{cut.get('sinbar_any_pct', 18):g} %)")),
        ("SINBAR any mentalis + phasic FDS (both arms)",
         _value({**rem, "null_reasons": rem.get("rem_null_reasons", {})}, "rem_sinbar_combined_pct",
                lambda v: f"{v:.1f} % (cut-off {cut.get('sinbar_combined_pct', 32):g} %)")),
        ("Montreal tonic / phasic chin density",
         " / ".join("null" if rem.get(k) is None else _pct(rem[k])
                    for k in ("rem_montreal_tonic_pct", "rem_montreal_phasic_pct"))),
        ("REM epochs", f"{rem['rem_epochs']}: {rem['rem_epochs_scored']} scored"
         + ("; not scored: " + ", ".join(f"{n} {w}" for w, n in not_scored.items()) if not_scored else "")),
    ]
    out = ["<h3>REM sleep muscle activity</h3>",
           '<p class="muted">Each 30-s REM epoch in 3-s mini-epochs (AASM Manual RBD rules; SINBAR, Frauscher et al. '
           "2012). An epoch that overlaps an arousal, a respiratory event or a chin artefact is not scored for the "
           "AASM tonic/phasic judgement (RBDtector's reading); its other mini-epochs still count for SINBAR. One "
           "row per epoch in X_rem_epochs.tsv.</p>",
           kv_table(facts)]
    per = rem.get("rem_per_muscle") or {}
    if per:
        rows = [[m_, v["phasic_epochs_pct"], v["phasic_minis_pct"], v["any_minis_pct"], v["rem_background_uv"]]
                for m_, v in per.items()]
        out.append(table(rows, ["muscle", "AASM phasic epochs %", "AASM phasic mini-epochs %",
                                "SINBAR any mini-epochs %", "REM background µV"], digits=1))
    fig = rem_raster_figure(m.rem)
    if fig is not None:
        b, w, h = png_b64(fig)
        out.append(img(b, "REM mini-epoch raster", w, h,
                       "Every REM epoch's ten 3-s mini-epochs side by side, per muscle: tonic (chin: AASM, above "
                       "the NREM minimum for >= 50 % of the epoch; arms: SINBAR), AASM phasic, SINBAR any (legs: "
                       "AASM phasic only); grey mini-epochs are not scored. Top row: the epoch scored (green) or "
                       "why not."))
    return out


def fm_section(res) -> list[str]:
    s = res.summary()
    fm = s["motor"]["fragmentary_myoclonus"]
    labels = res.info.get("channels", {})
    role = {"left": "leg_left", "right": "leg_right"}
    facts = [("potentials per hour of NREM (all muscles)", _value(s, "fm_per_h_nrem", lambda v: f"{v:.1f} /h")),
             ("excessive fragmentary myoclonus (EFM)",
              _value(s, "efm", lambda v: ("yes" if v else "no") + f": {fm['efm_minutes']} min of NREM with >= 5 "
                                                                    "potentials per minute (AASM: >= 20 min)")),
             ("potentials", fm["n"]), ("NREM minutes", fm["nrem_min"])]
    stages = ("N1", "N2", "N3")
    rows = [[m, labels.get(role.get(m, m), m), v["n"], v["nrem_min"], v["per_h_nrem"]]
            + [v.get(f"per_h_{st}") for st in stages] for m, v in (fm.get("per_muscle") or {}).items()]
    out = ["<h3>Fragmentary myoclonus</h3>",
           '<p class="muted">EMG potentials of <= 150 ms and >= 50 µV peak to peak in NREM, on every muscle '
           "recorded, never inside a leg movement or a hypnic jerk (AASM Manual, excessive fragmentary myoclonus). "
           "One row per potential in X_events.tsv (label fragmentary_myoclonus).</p>", kv_table(facts)]
    if rows:
        out.append(table(rows, ["muscle", "channel", "potentials", "NREM min", "per h NREM",
                                *(f"per h {st}" for st in stages)], digits=1))
    return out


def rhythmic_section(res) -> list[str]:
    s, m = res.summary(), res.motor
    rows = []
    for ep in (m.alma, m.hft):
        st = ep.extra.get("stage")
        for k in range(len(ep)):
            rows.append([ep.kind.upper(), float(ep.onset[k]), float(ep.duration[k]),
                         STAGE_NAMES[int(st[k])] if st is not None else "unscored", ep.legs[k], int(ep.n_bursts[k]),
                         float(ep.frequency_hz[k])])
    rows.sort(key=lambda r: r[1])
    excl = res.info.get("motor_rules", {}).get("exclude_rhythmic_lms", True)
    how = "not LMs: left out of the PLM rules" if excl else "counted as LMs (exclude_rhythmic_lms off)"
    facts = [("ALMA episodes", _value(s, "n_alma")), ("HFT episodes", _value(s, "n_hft")),
             ("leg movements within them", _value(s, "n_lm_in_rhythmic_episodes", lambda v: f"{v} ({how})"))]
    out = ["<h3>ALMA and hypnagogic foot tremor</h3>",
           '<p class="muted">Rhythmic leg patterns the AASM Manual scores as events of their own: ALMA, >= 4 '
           "bursts of 0.1-0.5 s alternating between the legs at 0.5-3 Hz; HFT, >= 4 bursts of 0.25-1 s at 0.3-4 Hz "
           "in one or both legs, in wake, N1 or N2. One row per episode in X_events.tsv (labels alma, hft); "
           "the leg movements within an episode are not LMs.</p>", kv_table(facts)]
    if rows:
        out.append(table(rows, ["kind", "onset (s)", "duration (s)", "stage", "legs", "bursts", "frequency (Hz)"]))
    return out


def motor_sections(res) -> str:
    """HTML of the night's motor sections; a line saying why when the motor rules did not run."""
    if getattr(res, "motor", None) is None:
        return ('<h2>Motor events beyond PLM</h2><p class="muted">Not scored (<code>motor=False</code> / '
                "<code>--no-motor</code>).</p>")
    parts = ["<h2>Motor events beyond PLM</h2>"]
    why = res.motor.alma.reason if res.motor.alma.reason and res.motor.fm.reason else None
    if why:
        parts.append(f'<p class="muted">Not scored: {escape(why)}.</p>')
        return "\n".join(parts)
    parts += rem_panel(res) + fm_section(res) + rhythmic_section(res)
    return "\n".join(parts)
