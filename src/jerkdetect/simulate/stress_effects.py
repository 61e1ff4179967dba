"""Stress family, the effects: recording faults and physiology a leg-movement scorer must survive,
and how each is planned into a night.

Each effect is a field of :class:`StressConfig` (all off by default, so a night without
``stress`` is bit-identical to one simulated before this module existed), is drawn from its own
random generator (``stress_rng(seed)``), and is written into the truth JSON. The effects are
built from recording practice and from the published definitions, not from how
``jerkdetect.detection`` works; they are meant to find where it fails.

Effects
-------
clip_uv
    Amplifier range: the EMG channels (legs, chin) are clipped at +-``clip_uv`` µV and the EDF
    is written with that physical range, so clipped samples sit exactly at the digital min/max.
    Large LMs and jerks saturate; they stay LMs and jerks in the truth (``at_rail`` marks them).
leadoffs
    One leg loses contact for 1-5 min: ``flat`` (constant level) or ``saturated`` (rail to
    rail). Exact start/end in ``truth["unscorable"]`` with ``kind`` and ``leg``: unscorable for
    that leg only. LM trains run across each lead-off (the intact leg keeps moving), LMs of the
    lost leg end 1-12 s before the artefact and start 2-12 s after it, and about half of the
    lead-offs begin 22-45 s after a hypnic jerk.
noise_periods
    Raised baseline noise of 3-6 µV RMS for minutes, on one or both legs. Still scorable under
    the AASM/WASM amplitude criteria: the LM trains placed inside stay LMs (their amplitude is
    set 12-40 µV above the raised resting level).
hum_uv, hum_hz
    Mains hum (50 or 60 Hz, amplitude slowly modulated by +-30 %, a 10-20 % third harmonic where
    the sampling rate carries it) on the EMG channels: 30-100 µV in the hum presets, 10-30 µV
    in the mixed nights (so that hum alone stays well inside a +-100 µV rail).
ecg_channel
    With ``ecg_channel=False`` the ECG channel is left out of the file, so cardiac bleed on the
    legs (``SimConfig.ecg_bleed_uv``; the presets use 5-15 µV) cannot be removed with an ECG.
myoclonus_*
    Dense fragmentary myoclonus in NREM (older control): 20-150-ms twitches, 5-40 µV above
    rest, up to about one per second per muscle, in both legs and the chin, asynchronous
    (no two muscles within 0.2 s). With ``rem_leg_twitches_per_min`` small phasic twitches in
    the legs during REM as well. None of them is an LM or a hypnic jerk in the truth.
alma_*
    Alternating leg muscle activation (AASM Manual: >= 4 alternating bursts, 0.5-3.0 Hz,
    0.1-0.5 s each). ``alma_hz`` is the burst rate of each leg; the other leg bursts half a
    period later. Bursts that stand alone (quiet gaps >= 0.5 s) are kept below 0.4 s, clear of
    the 0.5-s LM minimum. Rates (0.55-2.7 Hz) and burst lengths (>= 0.15 s) stay inside the
    ALMA rule's limits: a train is no LM because it is ALMA, so a train on the rule's edge
    (0.1-s bursts at 3 Hz) would make the truth depend on a measurement jitter.
near_threshold_*
    PLM trains whose LMs rise only 9-12 µV above rest (onset criterion 8 µV).
ragged_*
    PLM trains of LMs made of 2-5 sub-bursts with uneven peaks and dips to rest shorter than
    0.5 s: each is one LM.
staggered_*
    PLM trains of bilateral LMs whose leg onsets are 0.5-4.7 s apart.
irregular_*
    PLM trains that contain a CLM 2-9.5 s after a series member (short IMI) and a movement of
    11-20 s (longer than an LM) between two members.
awakenings_per_hour, jerk_*
    Extra brief awakenings (more wake -> sleep transitions) and hypnic jerks in the chin and
    both legs with raw peaks of 50-90 µV and 0.05-0.3 s. A fraction of the jerks wake the
    sleeper: the hypnogram then shows one or two more wake epochs, so the jerk lies 30-90 s
    before the (later) sleep-onset transition; the others lie from 20 s before to 60 s after it.

The named presets and :func:`stress_night` are in :mod:`jerkdetect.simulate.stress`.

How the truth reads the rules
-----------------------------
Truth LMs are monolateral (onset, offset, side) as for plain nights; :func:`evaluate` scores
them under the same rule set as the result. Where the truth depends on a reading, this is it:

* LM extent (AASM Manual 2012, leg movement rules; Ferri et al. 2016, WASM, Sleep Med 26:86-95):
  the onset is the 8-µV rise above rest, the offset the start of a >= 0.5-s period with EMG
  < 2 µV above rest. Activity on one leg separated by quiet shorter than 0.5 s is therefore
  one movement; this is also how MATPLM finds LMs (``findIndices`` hysteresis with a minimum
  low duration). Consequences used here:

  - a ragged LM with dips shorter than 0.5 s is one LM from its first to its last sub-burst;
  - an ALMA train whose per-leg quiet gaps are < 0.5 s would be one movement per leg under the
    bare onset/offset rule, from its first burst to its last; a train whose gaps are >= 0.5 s is
    a run of bursts shorter than 0.5 s. Either way an ALMA train is no LM: the AASM Manual
    scores ALMA as an event of its own, and jerkdetect leaves the leg movements within an ALMA
    or HFT episode out of the PLM rules (``MotorRules.exclude_rhythmic_lms``). The truth lists no
    LM for a train; what the bare rule would read is kept on the train (``bare_rule_lms``, see
    :func:`alma_movements`). Gaps within 0.15 s of 0.5 s are never drawn;
  - fragmentary myoclonus and REM twitches are < 0.5 s and separated by >= 0.7 s of quiet on
    the same muscle: never an LM, whatever their amplitude.
* Amplitudes "above rest" are of the rectified EMG (mean rectified value, the quantity the
  AASM 8-µV and 2-µV criteria are applied to by MATPLM and PLMScoRe) over the simulator's
  resting EMG of that leg (or the chin tone of the stage); ECG bleed and hum are artefacts on
  top of it.
* Bilateral LMs: AASM 2012 combines LMs on the two legs whose onsets are < 5 s apart; WASM 2016
  combines them when they overlap or are < 0.5 s apart (offset of one to onset of the other),
  as MATPLM ``candidate_lms.m`` (``rOV``) does. Staggered onsets of 0.5-4.7 s therefore form
  one LM under AASM and, unless the legs overlap or nearly touch, two CLMs under WASM, the
  second with a short IMI. Gaps within 0.2 s of the 0.5-s and onset differences within 0.3 s of
  the 5-s and 10-s boundaries are never drawn.
* Short IMI under WASM (a CLM < 10 s after the previous one): the truth follows the rule set's
  own setting. The default reading, that of PLMScoRe ``lm_score.R`` and of MATPLM's
  ``candidate_lms.m`` (breakpoint at the short-IMI CLM; the line adding one after it is
  commented out), lets the CLM after the short interval open the next run; MATPLM's
  ``candidate_lms_rev1.m`` (``params.inlm``) adds the second breakpoint (stricter reading).
* Long movements (> 10 s) mid-series: not LMs under AASM 2012 (removed, the series goes on when
  the IMI across stays <= 90 s); under WASM 2016 a non-candidate LM that ends the series.
* Respiratory-related LMs are those of the plain night (LMs 0-3 s after the end of an apnea or
  hypopnea): AASM 2012 does not score LMs from 0.5 s before to 0.5 s after an event; WASM
  2016 marks CLMs from 2 s before to 10.25 s after its end, kept for IMIs.
* Unscorable truth is per leg (``truth["unscorable"]``: ``leg``, ``start``, ``end``, ``kind``
  in noise/flat/saturated): a truth LM of that leg overlapping it is not scorable, the other
  leg's movements are. The time denominators leave out the time where both legs are unscorable
  (jerkdetect's convention, see the README).
"""
from __future__ import annotations


import numpy as np

from .config import SimConfig, StressConfig

SIDES = ("left", "right")
NREM = (1, 2, 3)
GROUP0 = 100_000  # stress LM groups, apart from the plain night's


def stress_rng(seed: int) -> np.random.Generator:
    """The stress family's own generator, so the plain night's draws are untouched."""
    return np.random.default_rng([int(seed), 0x8A11])


def add_awakenings(stages: np.ndarray, sc: StressConfig, rng: np.random.Generator) -> np.ndarray:
    """Insert brief awakenings (1-3 wake epochs, then 1-2 of N1) after sleep onset."""
    st = np.array(stages, copy=True)
    n = st.size
    sleep = np.flatnonzero(st != 0)
    if not sc.awakenings_per_hour or sleep.size == 0:
        return st
    first = int(sleep[0])
    for _ in range(rng.poisson(sc.awakenings_per_hour * n / 120)):
        if first + 12 >= n - 10:
            break
        k = int(rng.integers(first + 12, n - 10))
        w = int(rng.integers(1, 4))
        if st[k] == 0 or np.any(st[k - 2:k + w + 2] == 0):
            continue
        st[k:k + w] = 0
        st[k + w:k + w + int(rng.integers(1, 3))] = 1
    return st


class _Ctx:
    """Placement state of the stress planners (the night's planner, stages, generator, events)."""

    def __init__(self, stages: np.ndarray, plan, cfg: SimConfig, rng: np.random.Generator):
        self.stages, self.plan, self.rng, self.cfg = stages, plan, rng, cfg
        self.sc: StressConfig = cfg.stress
        self.T = cfg.duration_h * 3600
        self.hours = cfg.duration_h
        self.group = GROUP0
        self.lms: list[dict] = []
        self.jerk_reserved: list[tuple[float, float]] = []
        self.st: dict = dict(jerks=[], alma=[], noise=[], leadoff=[], twitches=[], counts={})

    def stage_at(self, t: float) -> int:
        return int(self.stages[min(max(int(t // 30), 0), self.stages.size - 1)])

    def find(self, span: float, stages=NREM, margin: float = 60.0, tries: int = 200) -> float | None:
        """A start time for ``span`` seconds of events in ``stages``, reserved with ``margin``."""
        if span + 2 * margin >= self.T:
            return None
        for _ in range(tries):
            a = float(self.rng.uniform(margin, self.T - span - margin))
            if self.stage_at(a) in stages and self.plan.free(a - margin, a + span + margin):
                self.plan.take(a - margin, a + span + margin)
                return a
        return None

    def count(self, rate_per_hour: float) -> int:
        return int(self.rng.poisson(rate_per_hour * self.hours)) if rate_per_hour else 0

    def new_group(self) -> int:
        self.group += 1
        return self.group - 1

    def lm(self, onset: float, dur: float, side: str, kind: str, group: int, **shape) -> dict:
        d = dict(onset=round(float(onset), 4), offset=round(float(onset + dur), 4), side=side, kind=kind,
                 group=group, **shape)
        self.lms.append(d)
        return d

    def ambiguous(self, onset: float, offset: float, side: str, near: list[dict]) -> bool:
        """True when a movement would sit on a rule boundary next to ``near`` (see module notes).

        Same leg: < 1 s of quiet between them (they would fuse). Other leg: a gap of 0.3-0.7 s
        (WASM 0.5-s bilateral gap). Any leg: onsets 4.7-5.3 s (AASM) or 9.7-10.3 s (WASM) apart.
        Its own duration: 0.4-0.6 s or 9.5-10.5 s.
        """
        d = offset - onset
        if 0.4 <= d <= 0.6 or 9.5 <= d <= 10.5:
            return True
        for m in near:
            if m["side"] == side:
                if not (offset + 1.0 <= m["onset"] or onset >= m["offset"] + 1.0):
                    return True
            else:
                gap = onset - m["offset"] if onset >= m["onset"] else m["onset"] - offset
                if 0.3 <= gap <= 0.7:
                    return True
            if 4.7 <= abs(onset - m["onset"]) <= 5.3 or 9.7 <= abs(onset - m["onset"]) <= 10.3:
                return True
        return False

    def movement(self, onset: float, side: str, kind: str, group: int, dur=(0.8, 4.0), shape: str = "burst",
                 near: list[dict] | None = None, tries: int = 30, excess=None) -> list[dict]:
        """One LM (``side`` left/right) or a bilateral pair (second leg 0-0.3 s later).

        Durations are redrawn until the movement sits on no rule boundary next to ``near``;
        ``excess`` is the range of its amplitude above rest (default ``lm_excess_uv``).
        """
        legs = list(SIDES) if side == "bilateral" else [side]
        if side == "bilateral" and self.rng.random() < 0.5:
            legs.reverse()
        out: list[dict] = []
        for i, s in enumerate(legs):
            for _ in range(tries):
                on = onset + (float(self.rng.uniform(0.0, 0.3)) if i else 0.0)
                d = float(self.rng.uniform(*dur))
                if not self.ambiguous(on, on + d, s, (near or []) + out):
                    ex = float(self.rng.uniform(*(excess or self.sc.lm_excess_uv)))
                    out.append(self.lm(on, d, s, kind, group, shape=shape, excess_uv=ex))
                    break
        return out

    def side(self, p_bilateral: float = 0.5) -> str:
        return "bilateral" if self.rng.random() < p_bilateral else str(self.rng.choice(SIDES))

    def imis(self, n: int) -> np.ndarray:
        return self.rng.uniform(*self.sc.train_imi_s, max(n - 1, 0))


def reserve(stages: np.ndarray, plan, cfg: SimConfig, seed: int) -> _Ctx:
    """First hook: place every stress event in the still empty timeline (stress events get their
    slots before the plain night's), adding wake epochs where jerks wake the sleeper."""
    c = _Ctx(np.array(stages, copy=True), plan, cfg, stress_rng(seed))
    sc = c.sc
    c.stages = add_awakenings(c.stages, sc, c.rng)
    _plan_jerks(c, c.st)
    _plan_leadoffs(c, c.st)
    _plan_noise(c, c.st)
    for kind, rate, fn in (("near_threshold", sc.near_threshold_per_hour, _near_threshold),
                           ("ragged", sc.ragged_per_hour, _ragged),
                           ("staggered", sc.staggered_per_hour, _staggered),
                           ("irregular", sc.irregular_per_hour, _irregular)):
        c.st["counts"][kind + "_trains"] = sum(fn(c) for _ in range(c.count(rate)))
    _plan_alma(c, c.st)
    return c


def plan_stress(truth: dict, c: _Ctx) -> None:
    """Second hook (plain events placed, nothing rendered): twitches, and the truth entries.

    Plain-night distractors that fall on a stress movement, ALMA train or jerk are dropped so
    that every truth LM stays unambiguous.
    """
    from ..core.stages import sleep_transitions
    for u in truth["unscorable"]:
        u.setdefault("kind", "noise")
    busy = [(lm["onset"] - 2.0, lm["offset"] + 2.0) for lm in c.lms]
    busy += [(t["bursts"][0]["onset"] - 2.0, t["bursts"][-1]["offset"] + 2.0) for t in c.st["alma"]]
    busy += [(j["onset"] - 3.0, j["onset"] + 3.0) for j in c.st["jerks"]]
    for key in ("fragmentary", "rem_twitches"):
        truth[key] = [d for d in truth[key] if not any(a <= d["onset"] <= b for a, b in busy)]
    truth["transitions"] = [float(t) for t in sleep_transitions(c.stages, 0.0, 30.0)]
    truth["arousals"] = sorted(truth["arousals"] + [tuple(j["arousal"]) for j in c.st["jerks"] if "arousal" in j])
    _plan_twitches(c, c.st, truth)
    c.st["lms"] = c.lms
    truth["stress"] = c.st


# -- planners -------------------------------------------------------------------------------------

def _plan_jerks(c: _Ctx, st: dict) -> None:
    """Hypnic jerks at wake -> sleep transitions; some wake the sleeper (the transition moves later)."""
    from ..core.stages import sleep_transitions
    sc = c.sc
    if not sc.jerk_probability:
        return
    for t in sleep_transitions(c.stages, 0.0, 30.0):
        t = float(t)
        if c.rng.random() > sc.jerk_probability or not c.plan.free(t - 130, t + 100):
            continue
        k = int(round(t / 30))
        waking = c.rng.random() < sc.waking_jerk_fraction
        if waking:
            w = int(c.rng.integers(1, 3))
            if k + w >= c.stages.size or np.any(c.stages[k:k + w + 1] == 0):
                waking = False
        if waking:
            orig = c.stages[k:k + w].copy()
            c.stages[k:k + w] = 0
            new_t = t + 30 * w
            e = k + w  # first epoch of the wake run that ends at the new transition, within reach
            while e > 0 and c.stages[e - 1] == 0 and e * 30 > new_t - sc.drowsy_lead_s[1]:
                e -= 1
            lead_hi = new_t - max(e * 30.0, new_t - sc.drowsy_lead_s[1])
            if lead_hi < sc.drowsy_lead_s[0]:
                c.stages[k:k + w] = orig
                continue
            tj = new_t - float(c.rng.uniform(sc.drowsy_lead_s[0], lead_hi))
            transition, kind = new_t, "drowsy"
        else:
            tj = t + float(c.rng.uniform(-20.0, 60.0))
            transition, kind = t, "onset"
        c.plan.take(t - 130, t + 100)
        c.jerk_reserved.append((tj, t + 100))
        parts = [dict(muscle=m, onset=round(tj + float(c.rng.uniform(0, 0.03)), 4),
                      duration=round(float(c.rng.uniform(*sc.jerk_s)), 4),
                      peak_uv=float(c.rng.uniform(*sc.jerk_peak_uv))) for m in ("chin", "left", "right")]
        tj = min(p["onset"] for p in parts)
        st["jerks"].append(dict(onset=round(tj, 4), muscles=["chin", "left", "right"], parts=parts,
                                transition=float(transition), kind=kind))
        if kind == "onset" and c.stage_at(tj + 1.0) != 0 and c.rng.random() < 0.5:
            j = st["jerks"][-1]
            j["arousal"] = [round(tj + float(c.rng.uniform(0.3, 1.0)), 4), round(float(c.rng.uniform(3, 10)), 4)]
    st["counts"]["jerks"] = len(st["jerks"])


def _plan_leadoffs(c: _Ctx, st: dict) -> None:
    """One-leg lead-offs with LM trains across them; about half begin 22-45 s after a jerk."""
    sc = c.sc
    for k in range(sc.leadoffs):
        kind = sc.leadoff_kinds[k % len(sc.leadoff_kinds)]
        leg = str(c.rng.choice(SIDES))
        other = "right" if leg == "left" else "left"
        dur = float(c.rng.uniform(*sc.leadoff_s))
        imi = float(c.rng.uniform(15.0, 30.0))
        d1, d2 = float(c.rng.uniform(4.0, 12.0)), float(c.rng.uniform(2.0, 12.0))
        s = None
        if c.jerk_reserved and c.rng.random() < 0.5:
            for q in c.rng.permutation(len(c.jerk_reserved)):
                tj, reserved_end = c.jerk_reserved[int(q)]
                cand = tj + float(c.rng.uniform(22.0, 45.0))
                end = cand + dur + d2 + 3 * imi + 60
                if c.plan.free(max(reserved_end, cand - d1 - 1.0), end):
                    c.plan.take(max(reserved_end, cand - d1 - 1.0), end)
                    s, n_before = cand, 1
                    break
        if s is None:
            a = c.find(3 * imi + d1 + dur + d2 + 3 * imi, stages=(0, 1, 2, 3, 4))
            if a is None:
                continue
            s, n_before = a + 3 * imi + d1, 3
        e = s + dur
        g = c.new_group()
        near: list[dict] = []
        first = s - d1
        for i in range(n_before):  # before: the lost leg (or both) moves up to 1-12 s before
            on = first - i * imi
            dmax = (d1 - 1.0) if i == 0 else 4.0
            near += c.movement(on, leg if i == 0 else c.side(), "leadoff_probe", g, dur=(0.8, min(4.0, dmax)),
                               near=near)
        last = e + d2
        m = max(1, int((last - first) // imi))
        for j in range(1, m):  # inside: only the intact leg can be scored
            near += c.movement(first + j * (last - first) / m, other, "leadoff_probe", g, near=near)
        for i in range(3):  # after: the lost leg comes back
            near += c.movement(last + i * imi, leg if i == 0 else c.side(), "leadoff_probe", g, near=near)
        u = dict(leg=leg, start=round(s, 3), end=round(e, 3), kind=kind)
        st["leadoff"].append(u)
    st["counts"]["leadoffs"] = len(st["leadoff"])


def _plan_noise(c: _Ctx, st: dict) -> None:
    """Periods of raised (still scorable) baseline noise with an LM train inside."""
    sc = c.sc
    for _ in range(sc.noise_periods):
        dur = float(c.rng.uniform(*sc.noise_period_s))
        a = c.find(dur, stages=(1, 2, 3, 4))
        if a is None:
            continue
        r = c.rng.random()
        legs = ["left", "right"] if r < 0.4 else [str(c.rng.choice(SIDES))]
        st["noise"].append(dict(legs=legs, start=round(a, 3), end=round(a + dur, 3),
                                rms_uv=float(c.rng.uniform(*sc.noise_rms_uv))))
        g = c.new_group()
        near: list[dict] = []
        t = a + float(c.rng.uniform(5.0, 20.0))
        while t + 5.0 < a + dur:
            near += c.movement(t, c.side(), "noise_period", g, near=near)
            t += float(c.rng.uniform(*sc.train_imi_s))
    st["counts"]["noise_periods"] = len(st["noise"])


def _slots(c: _Ctx, imis: np.ndarray | None = None, pad: float = 10.0) -> tuple[int, np.ndarray] | None:
    """Group id and onsets of a PLM-like train placed in NREM (IMIs drawn unless given), or None."""
    if imis is None:
        imis = c.imis(int(c.rng.integers(*c.sc.train_lms)))
    a = c.find(float(imis.sum()) + pad)
    if a is None:
        return None
    return c.new_group(), a + np.concatenate([[0.0], np.cumsum(imis)])


def _train(c: _Ctx, kind: str, p_bilateral: float = 0.5, **movement) -> int:
    """A PLM-like train of ``kind`` movements in NREM; returns 1 when placed."""
    slots = _slots(c)
    if slots is None:
        return 0
    g, onsets = slots
    near: list[dict] = []
    for on in onsets:
        near += c.movement(float(on), c.side(p_bilateral), kind, g, near=near[-4:], **movement)
    return 1


def _near_threshold(c: _Ctx) -> int:
    """Trains of LMs only 9-12 µV above rest, with a flat envelope (no peak to help)."""
    return _train(c, "near_threshold", shape="flat", excess=c.sc.near_threshold_uv)


def _ragged(c: _Ctx) -> int:
    """Trains of LMs made of 2-5 sub-bursts separated by dips to rest shorter than 0.5 s."""
    slots = _slots(c, pad=15.0)
    if slots is None:
        return 0
    g, onsets = slots
    near: list[dict] = []
    for on in onsets:
        side = c.side(0.3)
        legs = list(SIDES) if side == "bilateral" else [side]
        for i, leg in enumerate(legs):
            t0 = float(on) + (float(c.rng.uniform(0, 0.3)) if i else 0.0)
            k = int(c.rng.integers(2, 6))
            dips = c.rng.uniform(*c.sc.ragged_dip_s, k - 1)
            subs = c.rng.uniform(0.15, 1.6, k)
            total = float(subs.sum() + dips.sum())
            if total > 8.5 or c.ambiguous(t0, t0 + total, leg, near[-4:]):
                continue
            segs, t = [], t0
            for j in range(k):
                ex = float(c.rng.uniform(12.0, 50.0)) if j == 0 else float(c.rng.uniform(6.0, 50.0))
                segs.append([round(t, 4), round(t + float(subs[j]), 4), ex])
                t += float(subs[j]) + (float(dips[j]) if j < k - 1 else 0.0)
            near.append(c.lm(t0, total, leg, "ragged", g, shape="ragged", segments=segs,
                             excess_uv=max(s[2] for s in segs)))
    return 1


def _staggered(c: _Ctx) -> int:
    """Trains of bilateral LMs whose leg onsets are 0.5-4.7 s apart."""
    n = int(c.rng.integers(*c.sc.train_lms))
    slots = _slots(c, c.rng.uniform(max(c.sc.train_imi_s[0], 18.0), c.sc.train_imi_s[1] + 5.0, n - 1))
    if slots is None:
        return 0
    g, onsets = slots
    near: list[dict] = []
    for on in onsets:
        first = str(c.rng.choice(SIDES))
        second = "right" if first == "left" else "left"
        for _ in range(30):
            lag = float(c.rng.uniform(*c.sc.stagger_s))
            d1, d2 = c.rng.uniform(0.6, 4.0, 2)
            pair = [dict(onset=float(on), offset=float(on + d1), side=first)]
            if not c.ambiguous(float(on), float(on + d1), first, near[-4:]) and \
                    not c.ambiguous(float(on) + lag, float(on + lag + d2), second, near[-4:] + pair):
                near.append(c.lm(on, d1, first, "staggered", g, shape="burst",
                                 excess_uv=float(c.rng.uniform(*c.sc.lm_excess_uv)), lag_s=round(lag, 4)))
                near.append(c.lm(on + lag, d2, second, "staggered", g, shape="burst",
                                 excess_uv=float(c.rng.uniform(*c.sc.lm_excess_uv)), lag_s=round(lag, 4)))
                break
    return 1


def _irregular(c: _Ctx) -> int:
    """PLM trains with a short-IMI CLM (2-9.5 s after a member) and a > 10-s movement mid-series."""
    sc = c.sc
    n = int(c.rng.integers(max(sc.train_lms[0], 8), max(sc.train_lms[1], 9) + 1))
    imis = c.imis(n)
    i_long = int(c.rng.integers(2, n - 2))
    long_d = float(c.rng.uniform(*sc.long_lm_s))
    imis[i_long] = long_d + float(c.rng.uniform(8.0, 15.0))
    i_short = [int(i) for i in c.rng.choice([i for i in range(1, n - 1) if abs(i - i_long) > 1],
                                             size=int(c.rng.integers(1, 3)), replace=False)]
    slots = _slots(c, imis)
    if slots is None:
        return 0
    g, onsets = slots
    near: list[dict] = []
    for i, on in enumerate(onsets):
        near += c.movement(float(on), c.side(0.3), "irregular", g, near=near[-4:], dur=(0.8, 3.0))
        if i == i_long:
            for _ in range(30):
                t = float(on) + 4.0 + float(c.rng.uniform(0.0, 2.0))
                leg = str(c.rng.choice(SIDES))
                if not c.ambiguous(t, t + long_d, leg, near[-4:]):
                    near.append(c.lm(t, long_d, leg, "long_mid_series", g, shape="burst",
                                     excess_uv=float(c.rng.uniform(*sc.lm_excess_uv))))
                    break
        if i in i_short:
            for _ in range(30):
                t = float(on) + float(c.rng.uniform(*sc.short_imi_s))
                leg = str(c.rng.choice(SIDES))
                d = float(c.rng.uniform(0.7, 2.0))
                nxt = onsets[i + 1]
                if t + d < nxt - 3.0 and not c.ambiguous(t, t + d, leg, near[-4:]) and \
                        not (4.7 <= nxt - t <= 5.3 or 9.7 <= nxt - t <= 10.3):
                    near.append(c.lm(t, d, leg, "short_imi", g, shape="burst",
                                     excess_uv=float(c.rng.uniform(*sc.lm_excess_uv))))
                    break
    return 1


def _plan_alma(c: _Ctx, st: dict) -> None:
    """ALMA trains; no truth LM (see module notes), the bare rule's reading kept on the train."""
    sc = c.sc
    for _ in range(c.count(sc.alma_per_hour)):
        for _try in range(30):
            hz = float(c.rng.uniform(*sc.alma_hz))
            # the legs alternate without overlapping
            d = float(c.rng.uniform(sc.alma_burst_s[0], min(sc.alma_burst_s[1], 0.45 / hz)))
            n = int(c.rng.integers(sc.alma_bursts[0], sc.alma_bursts[1] + 1))
            gap = 1.0 / hz - d
            span = (n - 1) / hz + d
            merged = gap < 0.5
            lone_ok = merged or d * 1.1 < 0.4  # a burst that stands alone stays clearly < 0.5 s
            if abs(gap - 0.5) >= 0.15 and lone_ok and not (9.5 <= span <= 10.5 or 14.5 <= span + 0.5 / hz <= 15.5):
                break
        else:
            continue
        a = c.find(span + 1.0, stages=(0, 1, 2))
        if a is None:
            continue
        first = str(c.rng.choice(SIDES))
        second = "right" if first == "left" else "left"
        ex = float(c.rng.uniform(15.0, 40.0))
        bursts = []
        for k in range(n):
            for j, leg in enumerate((first, second)):
                on = a + (k + 0.5 * j) / hz
                dd = d * float(c.rng.uniform(0.9, 1.1))
                bursts.append(dict(onset=round(on, 4), offset=round(on + dd, 4), side=leg,
                                   excess_uv=ex * float(c.rng.uniform(0.8, 1.2))))
        train = dict(onset=round(a, 4), hz=hz, burst_s=d, n_per_leg=n, merged=bool(merged), bursts=bursts,
                     bare_rule_lms=[list(m) for m in alma_movements(bursts)])
        st["alma"].append(train)
    st["counts"]["alma_trains"] = len(st["alma"])


def alma_movements(bursts: list[dict], quiet_s: float = 0.5, min_s: float = 0.5) -> list[tuple]:
    """Leg movements that bursts would form under the bare LM onset/offset rule (AASM 2012,
    WASM 2016), i.e. read by the PLM rules alone, without the ALMA/HFT exclusion.

    Bursts of one leg separated by less than ``quiet_s`` of quiet are one movement, from the
    first onset to the last offset; a movement is kept when it lasts >= ``min_s``.

    Examples
    --------
    >>> b = [dict(onset=0.0, offset=0.2, side="left"), dict(onset=0.5, offset=0.7, side="left"),
    ...      dict(onset=3.0, offset=3.2, side="left")]
    >>> alma_movements(b)
    [(0.0, 0.7, 'left')]
    """
    out = []
    for leg in SIDES:
        runs: list[list[float]] = []
        for on, off in sorted((b["onset"], b["offset"]) for b in bursts if b["side"] == leg):
            if runs and on - runs[-1][1] < quiet_s:
                runs[-1][1] = max(runs[-1][1], off)
            else:
                runs.append([on, off])
        out += [(round(a, 4), round(b, 4), leg) for a, b in runs if b - a >= min_s]
    return sorted(out)


def _plan_twitches(c: _Ctx, st: dict, truth: dict) -> None:
    """Dense fragmentary myoclonus in NREM (legs, chin) and phasic REM twitches in the legs.

    Per muscle a renewal process with >= 0.7 s of quiet between twitches; a twitch within 0.2 s
    of another muscle's is dropped (asynchronous), as is one within 2 s of an LM or ALMA burst
    or 3 s of a hypnic jerk, or within 1 s of a plain night's distractor in the same muscle.
    """
    sc = c.sc
    busy = [(lm["onset"] - 2.0, lm["offset"] + 2.0) for lm in truth["leg_movements"] + c.lms]
    busy += [(b["onset"] - 2.0, b["offset"] + 2.0) for t in st["alma"] for b in t["bursts"]]
    busy += [(j["onset"] - 3.0, j["onset"] + 3.0) for j in truth["hypnic_jerks"] + st["jerks"]]
    busy.sort()
    b_on = np.array([b[0] for b in busy])
    b_off = np.maximum.accumulate(np.array([b[1] for b in busy])) if busy else np.zeros(0)
    plain = {m: np.sort([d["onset"] for d in truth["fragmentary"] + truth["rem_twitches"] if d["muscle"] == m])
             for m in ("left", "right", "chin")}

    def clear(t: float, m: str) -> bool:
        i = np.searchsorted(b_on, t, "right") - 1
        if i >= 0 and b_off[i] > t:
            return False
        k = np.searchsorted(plain[m], t)
        return all(not (0 <= q < plain[m].size) or abs(plain[m][q] - t) > 1.0 for q in (k - 1, k))

    def renewal(a: float, b: float, rate: float, muscles, stages_ok, kind: str) -> list[dict]:
        out = []
        for m in muscles:
            t = a + float(c.rng.exponential(1.0 / rate))
            while t < b:
                d = float(c.rng.uniform(*sc.twitch_s))
                if c.stage_at(t) in stages_ok and c.stage_at(t + d) in stages_ok and clear(t, m):
                    out.append(dict(onset=round(t, 4), muscle=m, duration=round(d, 4),
                                    excess_uv=float(np.exp(c.rng.uniform(*np.log(ex_range)))), kind=kind))
                t += d + 0.7 + float(c.rng.exponential(max(1.0 / rate - d - 0.7, 0.05)))
        return out

    tw: list[dict] = []
    ex_range = sc.twitch_uv
    for _ in range(c.count(sc.myoclonus_per_hour)):
        for _try in range(50):
            a = float(c.rng.uniform(0, c.T - 60))
            if c.stage_at(a) in NREM:
                break
        else:
            continue
        b = min(c.T - 1.0, a + float(c.rng.uniform(*sc.myoclonus_stretch_s)))
        tw += renewal(a, b, float(c.rng.uniform(*sc.myoclonus_rate_hz)), ("left", "right", "chin"), NREM,
                      "myoclonus")
    if sc.rem_leg_twitches_per_min:
        ex_range = (sc.twitch_uv[0], min(sc.twitch_uv[1], 25.0))
        for run in _runs(c.stages == 4):
            tw += renewal(run[0] * 30.0, run[1] * 30.0, sc.rem_leg_twitches_per_min / 60.0, SIDES, (4,),
                          "rem_twitch")
    tw.sort(key=lambda d: d["onset"])
    kept: list[dict] = []
    last_end = {m: -np.inf for m in ("left", "right", "chin")}
    for d in tw:  # asynchronous (no other muscle within 0.2 s); overlapping stretches keep 0.7 s of quiet
        if d["onset"] - last_end[d["muscle"]] < 0.7 or \
                any(k["muscle"] != d["muscle"] and d["onset"] - k["onset"] < 0.2 for k in kept[-3:]):
            continue
        kept.append(d)
        last_end[d["muscle"]] = d["onset"] + d["duration"]
    st["twitches"] = kept
    st["counts"]["myoclonus_twitches"] = sum(d["kind"] == "myoclonus" for d in kept)
    st["counts"]["rem_leg_twitches"] = sum(d["kind"] == "rem_twitch" for d in kept)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of ``mask``."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))
