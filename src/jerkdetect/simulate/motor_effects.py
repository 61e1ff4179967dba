"""Planners and renderer hooks of the motor-event nights (see :mod:`.motor` for the presets and
for how the truth reads the rules). :func:`~jerkdetect.simulate.night.simulate_night` calls
:func:`reserve`, :func:`plan_motor` and :func:`apply_motor` when ``SimConfig.motor`` is set."""
from __future__ import annotations

import numpy as np

from .config import CHIN_TONE, LABELS, MotorConfig, SimConfig
from .waveforms import add_segment

NREM = (1, 2, 3)
MUSCLE_LABEL = {"left": LABELS["leg_left"], "right": LABELS["leg_right"], "chin": LABELS["chin"],
                "arm_left": "EMG Arm L", "arm_right": "EMG Arm R"}
MINI_S = 3.0
EPOCH_S = 30.0
EDGE_S = 0.15          # bursts and tone stretches keep this far from mini-epoch edges
FM_P2P_UV = (90.0, 250.0)
TWITCH_P2P_UV = (5.0, 15.0)


def motor_rng(seed: int) -> np.random.Generator:
    """The motor patterns' own generator, so the plain night's draws are untouched."""
    return np.random.default_rng([int(seed), 0x3070])


class MotorSpec:
    """Planning state of the motor patterns (the night's planner, stages, generator, events)."""

    def __init__(self, stages: np.ndarray, plan, cfg: SimConfig, rng: np.random.Generator):
        self.stages, self.plan, self.cfg, self.rng = np.asarray(stages), plan, cfg, rng
        self.mc: MotorConfig = cfg.motor
        self.T = cfg.duration_h * 3600
        self.truth: dict = dict(rem_epochs=[], fm=[], twitches=[], alma=[], hft=[], rem_arousals=[],
                                rem_hypopneas=[], muscles=[], rem_profile=self.mc.rem, fm_profile=self.mc.fm,
                                renderer=self.mc.renderer)

    def stage_at(self, t: float) -> int:
        return int(self.stages[min(max(int(t // EPOCH_S), 0), self.stages.size - 1)])

    def muscles(self) -> list[str]:
        return ["left", "right", "chin"] + (["arm_left", "arm_right"] if self.mc.arms else [])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


# ---------------------------------------------------------------------------- hook 1
def reserve(stages: np.ndarray, plan, cfg: SimConfig, seed: int) -> MotorSpec:
    """First hook: REM periods (with a REM profile) and the rhythmic trains take their slots in
    the still empty timeline, so no plain event falls on them."""
    c = MotorSpec(stages, plan, cfg, motor_rng(seed))
    c.truth["muscles"] = c.muscles()
    if c.mc.rem is not None:
        for a, b in _runs(c.stages == 4):
            plan.take(a * EPOCH_S, b * EPOCH_S)
        _plan_rem(c)
    for kind, rate in (("alma", c.mc.alma_per_hour), ("hft", c.mc.hft_per_hour)):
        for _ in range(int(c.rng.poisson(rate * cfg.duration_h)) if rate else 0):
            _plan_train(c, kind)
    c.truth["alma"].sort(key=lambda t: t["onset"])
    c.truth["hft"].sort(key=lambda t: t["onset"])
    return c


def _burst_in_mini(c: MotorSpec, mini_start: float, dur: tuple[float, float]) -> tuple[float, float]:
    d = float(c.rng.uniform(*dur))
    a = mini_start + EDGE_S + float(c.rng.uniform(0.0, MINI_S - 2 * EDGE_S - d))
    return round(a, 4), round(a + d, 4)


def _plan_rem(c: MotorSpec) -> None:
    """Per REM epoch: tone (tonic or a partial stretch), phasic bursts per mini-epoch and muscle,
    twitches (see the module notes)."""
    rbd = c.mc.rem == "rbd"
    p_tonic = float(c.rng.uniform(*c.mc.rbd_tonic_epochs)) if rbd else 0.0
    limbs = [m for m in c.muscles() if m != "chin"]
    prev_tonic = False
    for k in np.flatnonzero(c.stages == 4):
        s = float(k * EPOCH_S)
        e = dict(epoch=int(k), onset=s, tonic=False, tone=[], bursts=[], twitches=[])
        # tone: tonic epochs come in runs (a tonic epoch is followed by another with p 0.75)
        if rbd and c.rng.random() < (0.75 if prev_tonic else p_tonic * 0.8):
            cover = float(c.rng.uniform(0.8, 1.0))
            a = s + float(c.rng.uniform(0.0, (1 - cover) * EPOCH_S))
            e["tonic"] = True
            e["tone"].append(dict(onset=round(a, 4), offset=round(a + cover * EPOCH_S, 4),
                                  level_uv=float(c.rng.uniform(6.0, 10.0))))
        elif rbd and c.rng.random() < 0.35:
            for _try in range(50):
                d = float(c.rng.uniform(5.5, 7.5))
                a = s + float(c.rng.uniform(0.2, EPOCH_S - d - 0.2))
                ok = all(min(abs((t - s) - MINI_S * round((t - s) / MINI_S)), 9) >= EDGE_S for t in (a, a + d))
                if ok:
                    e["tone"].append(dict(onset=round(a, 4), offset=round(a + d, 4),
                                          level_uv=float(c.rng.uniform(6.0, 10.0))))
                    break
        prev_tonic = e["tonic"]
        # phasic: the set of mini-epochs with a burst (chin or limbs), 0-3 or 7-10 of them
        r = c.rng.random()
        if rbd:
            n_act = int(c.rng.integers(7, 11)) if r < 0.35 else int(c.rng.integers(1, 4)) if r < 0.8 else 0
        else:
            n_act = int(c.rng.integers(1, 3)) if r < 0.15 else 0
        tone_minis = set()
        for t in e["tone"]:
            if not e["tonic"]:
                tone_minis |= set(range(int((t["onset"] - s - 0.3) // MINI_S),
                                        int((t["offset"] - s + 0.3) // MINI_S) + 1))
        if e["tonic"]:
            t = e["tone"][0]
            chin_ok = {i for i in range(10) if s + i * MINI_S >= t["onset"] + 0.3 and
                       s + (i + 1) * MINI_S <= t["offset"] - 0.3}
        else:
            chin_ok = set(range(10)) - tone_minis
        act = sorted(int(i) for i in c.rng.choice(10, size=n_act, replace=False)) if n_act else []
        for i in act:
            cand = ([("chin")] if i in chin_ok else []) + limbs
            who = [m for m in cand if c.rng.random() < 0.5] or [str(c.rng.choice(cand))]
            for m in who:
                dur = (0.2, 0.45) if (m == "chin" and not e["tonic"]) else (0.2, 1.0)
                a, b = _burst_in_mini(c, s + i * MINI_S, dur)
                if m == "chin":
                    bg = e["tone"][0]["level_uv"] if e["tonic"] else CHIN_TONE[4]
                    amp = bg * float(c.rng.uniform(6.0, 10.0)) if e["tonic"] else float(c.rng.uniform(8.0, 40.0))
                else:
                    amp = float(c.rng.uniform(20.0, 50.0))  # excess over the limb's rest
                e["bursts"].append(dict(muscle=m, mini=int(i), onset=a, offset=b, amplitude_uv=round(amp, 3)))
        # normal REM twitches (too brief for any rule)
        for _ in range(int(c.rng.poisson(4.0 / 2))):
            m = str(c.rng.choice(["chin"] + limbs))
            a = s + float(c.rng.uniform(0.3, EPOCH_S - 0.3))
            if any(abs(a - b["onset"]) < 0.6 or abs(a - b["offset"]) < 0.6 for b in e["bursts"]):
                continue
            e["twitches"].append(dict(muscle=m, onset=round(a, 4), duration=round(float(c.rng.uniform(0.015, 0.04)), 4),
                                      amplitude_uv=float(c.rng.uniform(5.0, 20.0))))
        c.truth["rem_epochs"].append(e)


def _plan_train(c: MotorSpec, kind: str) -> None:
    """One ALMA or HFT train in W/N1/N2, reserved in the planner."""
    n = int(c.rng.integers(6, 21))
    if kind == "alma":
        hz = float(c.rng.uniform(0.6, 2.2))
        d = float(c.rng.uniform(0.18, min(0.4, 0.4 / hz)))
        span = (n / 2) / hz + d + 1.0
    else:
        hz = float(c.rng.uniform(0.5, 1.5))
        d = float(c.rng.uniform(0.4, min(0.8, 0.6 / hz)))
        span = n / hz + d + 1.0
    for _ in range(200):
        a = float(c.rng.uniform(60.0, c.T - span - 60.0))
        if all(c.stage_at(t) in (0, 1, 2) for t in (a, a + span)) and c.plan.free(a - 30.0, a + span + 30.0):
            c.plan.take(a - 30.0, a + span + 30.0)
            break
    else:
        return
    ex = float(c.rng.uniform(15.0, 40.0))
    bursts = []
    if kind == "alma":
        first = str(c.rng.choice(["left", "right"]))
        legs = (first, "right" if first == "left" else "left")
        for k in range(n):
            t = a + (k // 2 + 0.5 * (k % 2) + float(c.rng.uniform(-0.03, 0.03))) / hz
            dd = d * float(c.rng.uniform(0.92, 1.08))
            bursts.append(dict(side=legs[k % 2], onset=round(t, 4), offset=round(t + dd, 4),
                               excess_uv=ex * float(c.rng.uniform(0.85, 1.15))))
        legs_out = "both"
    else:
        legs_out = str(c.rng.choice(["left", "right", "both"], p=[0.35, 0.35, 0.3]))
        sides = ["left", "right"] if legs_out == "both" else [legs_out]
        for k in range(n):
            t = a + (k + float(c.rng.uniform(-0.03, 0.03))) / hz
            dd = d * float(c.rng.uniform(0.92, 1.08))
            for j, sd in enumerate(sides):
                lag = float(c.rng.uniform(0.0, 0.03)) if j else 0.0
                bursts.append(dict(side=sd, onset=round(t + lag, 4), offset=round(t + lag + dd, 4),
                                   excess_uv=ex * float(c.rng.uniform(0.85, 1.15))))
    bursts.sort(key=lambda b: (b["onset"], b["side"]))
    c.truth[kind].append(dict(onset=bursts[0]["onset"], offset=max(b["offset"] for b in bursts), hz=hz,
                              burst_s=d, n_bursts=n, legs=legs_out, bursts=bursts))


# ---------------------------------------------------------------------------- hook 2
def plan_motor(truth: dict, c: MotorSpec) -> None:
    """Second hook (plain events placed, EEG not yet planned): REM arousals and hypopneas join
    the scored events, then fragmentary myoclonus and distractor twitches are placed clear of
    everything; the motor truth goes to ``truth["motor"]``."""
    if c.mc.rem is not None:
        _plan_rem_events(truth, c)
    _plan_fm(truth, c)
    truth["motor"] = c.truth


def _plan_rem_events(truth: dict, c: MotorSpec) -> None:
    rem_h = float(np.sum(c.stages == 4)) / 120
    taken = [(a - 12.0, a + d + 12.0) for a, d in truth["arousals"]]
    for kind, n, dur in (("rem_arousals", int(c.rng.poisson(c.mc.rem_arousals_per_hour * rem_h)), (3.0, 10.0)),
                         ("rem_hypopneas", c.mc.rem_hypopneas, (12.0, 25.0))):
        for _ in range(n):
            for _try in range(50):
                runs = [r for r in _runs(c.stages == 4) if r[1] - r[0] >= 3]
                if not runs:
                    break
                r0, r1 = runs[int(c.rng.integers(len(runs)))]
                d = float(c.rng.uniform(*dur))
                a = float(c.rng.uniform(r0 * EPOCH_S + 15.0, r1 * EPOCH_S - d - 5.0)) if \
                    r1 * EPOCH_S - d - 5.0 > r0 * EPOCH_S + 15.0 else -1.0
                if a > 0 and all(a + d + 12.0 <= s or a >= e for s, e in taken):
                    taken.append((a - 12.0, a + d + 12.0))
                    c.truth[kind].append((round(a, 4), round(d, 4)))
                    break
    truth["arousals"] = sorted(truth["arousals"] + c.truth["rem_arousals"])
    truth["respiratory"] = sorted(truth["respiratory"] + [(a, d, "Hypopnea") for a, d in c.truth["rem_hypopneas"]])


def _plan_fm(truth: dict, c: MotorSpec) -> None:
    """Fragmentary myoclonus potentials (and sub-threshold twitches) in NREM."""
    muscles = c.muscles()
    busy = [(x["onset"] - 2.0, x["offset"] + 2.0) for x in truth["leg_movements"]]
    busy += [(j["onset"] - 3.0, j["onset"] + 3.0) for j in truth["hypnic_jerks"]]
    busy += [(a - 2.0, a + d + 2.0) for a, d in truth["arousals"]]
    busy += [(a - 2.0, a + d + 2.0) for a, d, _ in truth.get("arousals_not_scorable", [])]
    busy += [(t["onset"] - 2.0, t["offset"] + 2.0) for k in ("alma", "hft") for t in c.truth[k]]
    busy += [(u["start"] - 5.0, u["end"] + 5.0) for u in truth["unscorable"]]
    busy += [(t - 95.0, t + 65.0) for t in truth.get("transitions", [])]
    change = np.flatnonzero(np.diff(c.stages) != 0) + 1
    busy += [(k * EPOCH_S - 0.5, k * EPOCH_S + 0.5) for k in change]
    busy.sort()
    b_on = np.array([b[0] for b in busy])
    b_off = np.maximum.accumulate(np.array([b[1] for b in busy])) if busy else np.zeros(0)

    def clear(t: float, d: float) -> bool:
        i = np.searchsorted(b_on, t + d, "right") - 1
        return not (i >= 0 and b_off[i] > t) and c.stage_at(t) in NREM and c.stage_at(t + d) in NREM

    nrem = np.isin(c.stages, NREM)
    dense: list[tuple[float, float]] = []
    if c.mc.fm == "dense":
        need = float(c.rng.uniform(*c.mc.fm_dense_minutes)) * 60
        runs = [(a * EPOCH_S, b * EPOCH_S) for a, b in _runs(nrem) if b - a >= 10]
        c.rng.shuffle(runs)
        for a, b in runs:
            if need <= 0:
                break
            dense.append((a, min(b, a + need)))
            need -= dense[-1][1] - dense[-1][0]
    events = []
    for a, b in dense:
        rate = float(c.rng.uniform(*c.mc.fm_dense_per_min)) / 60 / len(muscles)
        events += _renewal(c, a, b, rate, muscles, "fm")
    sparse = c.mc.fm_sparse_per_min if c.mc.fm is not None else 0.0
    for a, b in _runs(nrem):
        if sparse:
            events += _renewal(c, a * EPOCH_S, b * EPOCH_S, sparse / 60 / len(muscles), muscles, "fm")
        if c.mc.twitches_per_min and c.mc.fm is not None:
            events += _renewal(c, a * EPOCH_S, b * EPOCH_S, c.mc.twitches_per_min / 60 / len(muscles), muscles,
                               "twitch")
    events.sort(key=lambda x: x["onset"])
    kept: list[dict] = []
    last: dict[str, float] = {}
    for x in events:  # asynchronous, >= 0.3 s apart on a muscle, and clear of everything
        if not clear(x["onset"] - 0.2, x["duration"] + 0.4):
            continue
        if x["onset"] - last.get(x["muscle"], -np.inf) < 0.3 or \
                any(k["muscle"] != x["muscle"] and x["onset"] - k["onset"] < 0.2 for k in kept[-4:]):
            continue
        kept.append(x)
        last[x["muscle"]] = x["onset"] + x["duration"]
    c.truth["fm"] = [x for x in kept if x["kind"] == "fm"]
    c.truth["twitches"] = [x for x in kept if x["kind"] == "twitch"]
    c.truth["fm_dense_stretches"] = [[round(a, 3), round(b, 3)] for a, b in dense]


def _renewal(c: MotorSpec, a: float, b: float, rate: float, muscles: list[str], kind: str) -> list[dict]:
    out = []
    for m in muscles:
        t = a + float(c.rng.exponential(1.0 / rate))
        while t < b:
            d = float(c.rng.uniform(*c.mc.fm_duration_s))
            p2p = FM_P2P_UV if kind == "fm" else TWITCH_P2P_UV
            out.append(dict(onset=round(t, 4), muscle=m, duration=round(d, 4),
                            p2p_uv=float(np.exp(c.rng.uniform(*np.log(p2p)))), kind=kind))
            t += d + 0.3 + float(c.rng.exponential(max(1.0 / rate - d - 0.3, 0.05)))
    return out


# ---------------------------------------------------------------------------- hook 3
def apply_motor(signals: dict, fs: dict, stages: np.ndarray, truth: dict, cfg: SimConfig, c: MotorSpec) -> None:
    """Third hook: render the motor truth into the EMG channels (arm channels added)."""
    from . import motor_render as mr
    fe = cfg.fs_emg
    n = signals[LABELS["chin"]].size
    render = mr.RENDERERS[c.mc.renderer]
    if c.mc.arms:
        for m in ("arm_left", "arm_right"):
            rest = float(c.rng.uniform(0.8, 2.0))
            signals[MUSCLE_LABEL[m]] = render.background(n, fe, rest, c.rng)
            fs[MUSCLE_LABEL[m]] = fe
            c.truth.setdefault("arm_rest_uv", {})[m] = rest
    sig = {m: signals[MUSCLE_LABEL[m]] for m in c.muscles()}
    ecg = None
    if LABELS["ecg"] in signals:
        e = signals[LABELS["ecg"]]
        ecg = np.interp(np.arange(n) / fe, np.arange(e.size) / fs[LABELS["ecg"]], e)
    render.decorate(sig, fe, ecg, c.rng)
    rest = _rest(truth, stages, c)
    for e in c.truth["rem_epochs"]:
        for t in e["tone"]:
            seg = render.tone(t["offset"] - t["onset"], fe, t["level_uv"], CHIN_TONE[4], c.rng)
            add_segment(sig["chin"], fe, t["onset"], seg)
        for b in e["bursts"]:
            r = rest(b["muscle"], b["onset"])
            amp = b["amplitude_uv"] if b["muscle"] == "chin" else r + b["amplitude_uv"]
            base = e["tone"][0]["level_uv"] if (b["muscle"] == "chin" and e["tonic"]) else \
                (CHIN_TONE[4] if b["muscle"] == "chin" else r)
            seg = render.burst(b["offset"] - b["onset"], fe, amp, base, c.rng)
            add_segment(sig[b["muscle"]], fe, b["onset"], seg)
        for t in e["twitches"]:
            seg = render.burst(t["duration"], fe, t["amplitude_uv"], 0.0, c.rng)
            add_segment(sig[t["muscle"]], fe, t["onset"], seg)
    for x in c.truth["fm"] + c.truth["twitches"]:
        seg = render.potential(x["duration"], fe, c.rng)
        p = mr.p2p_filtered(seg, fe)
        seg *= x["p2p_uv"] / p if p > 0 else 0.0
        add_segment(sig[x["muscle"]], fe, x["onset"], seg)
    for kind in ("alma", "hft"):
        for tr in c.truth[kind]:
            for b in tr["bursts"]:
                r = rest(b["side"], b["onset"])
                add_segment(sig[b["side"]], fe, b["onset"],
                     render.burst(b["offset"] - b["onset"], fe, r + b["excess_uv"], r, c.rng))
    truth["motor"] = c.truth


def _rest(truth: dict, stages: np.ndarray, c: MotorSpec):
    """Resting EMG (mean rectified µV) of a muscle at a time (legs with their drift, chin by
    stage, arms constant)."""
    def rest(m: str, t: float) -> float:
        if m == "chin":
            return CHIN_TONE[int(stages[min(int(t // EPOCH_S), stages.size - 1)])]
        if m in c.truth.get("arm_rest_uv", {}):
            return c.truth["arm_rest_uv"][m]
        p = truth["leg_rest"][m]
        return float(p["rest_uv"] * (1 + 0.3 * np.sin(2 * np.pi * t / p["period_s"] + p["phase"])))
    return rest
