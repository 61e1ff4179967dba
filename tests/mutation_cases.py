"""Mutated inputs and their oracle, shared by the CI property tests and the long sweep.

Every case is a plain dict (``kind`` plus parameters) so it can be drawn by hypothesis, listed by
the sweep and sent to a sandboxed child (``tests/sandbox.py``). ``execute(case)`` runs it and
classifies the outcome:

* ``result``: scored, and the oracle holds;
* ``error``: a :class:`jerkdetect.JerkdetectError` (one sentence);
* ``wrong``: scored, but the oracle fails (a silently wrong number);
* ``crash``: any other exception (or, seen by the sandbox, a signal or a hang);
* ``oom``: ``MemoryError`` under the sandbox's memory cap.

The oracle: every result keeps its invariants (strict JSON summary, event times finite and
inside the recording, every null index explained, TST within the recording); a mutation that
makes a header invalid must give an error; a mutation of a field that does not matter must give
the unmutated result; a valid record duration must be honoured (rates and duration scale).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import traceback
import warnings

import numpy as np

BASE: dict = {}      # filled by setup(): paths and unmutated results, inherited by every fork
WORK = {"dir": ""}

# ------------------------------------------------------------------ header layout
FIXED = {"version": (0, 8), "patient": (8, 80), "recording": (88, 80), "startdate": (168, 8),
         "starttime": (176, 8), "header_bytes": (184, 8), "reserved": (192, 44), "n_records": (236, 8),
         "record_duration": (244, 8), "ns": (252, 4)}
PER_SIGNAL = (("label", 16), ("transducer", 80), ("units", 8), ("pmin", 8), ("pmax", 8), ("dmin", 8),
              ("dmax", 8), ("prefilter", 80), ("spr", 8), ("sreserved", 32))
NASTY = ["nan", "NaN", "inf", "-inf", "+inf", "-1", "0", "-0", "1", "1e9", "1e30", "-1e30", "1e308", "-3000",
         "200.5", "0.5", "", " ", "abc", "1,5", "0x10", "99999999", "-9999999", "+1e20", "2e2", "1_000",
         "1e-320", "\xff\xfe", "1e5", "-32769", "32768", "8388608", "65536", "4096", "0.001"]
TEXT_NASTY = ["", "\x00\x00\x00", "\xe9\xe8", "Leg L", "Leg R", "EMG Chin", "EDF Annotations", "EEG", "X" * 90]
TAL_ONSETS = ["+1e20", "-1e300", "+nan", "+inf", "-inf", "+1_000", "+0", "-5", "+99999999999", "+1e-320",
              "1", "+", "+.", "+1.5.2", "+\xff", "+3600", "+1799.9", "+12.25", "-0.5", "+0.000001"]
TAL_DURATIONS = ["", "\x151e12", "\x15-5", "\x15nan", "\x150", "\x1530", "\x15abc", "\x151e300", "\x15+2"]


def _signal_offset(ns: int, i: int, name: str) -> tuple[int, int]:
    off = 256
    for n, w in PER_SIGNAL:
        if n == name:
            return off + i * w, w
        off += ns * w
    raise KeyError(name)


def field_span(data: bytes, field: str, signal: int | None) -> tuple[int, int]:
    if signal is None:
        return FIXED[field]
    ns = int(data[252:256].strip())
    return _signal_offset(ns, signal, field)


def set_field(data: bytes, field: str, signal: int | None, text: str) -> bytes:
    off, w = field_span(data, field, signal)
    raw = text.encode("latin-1", "replace")[:w].ljust(w, b" ")
    return data[:off] + raw + data[off + w:]


def get_field(data: bytes, field: str, signal: int | None) -> str:
    off, w = field_span(data, field, signal)
    return data[off:off + w].decode("latin-1").strip()


def _num(t: str) -> float | None:
    try:
        v = float(t.strip())
    except ValueError:
        return None
    return v


def _int(t: str) -> int | None:
    t = t.strip()
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    v = _num(t)
    return int(v) if v is not None and math.isfinite(v) and v == int(v) else None


def classify_field(data: bytes, field: str, signal: int | None, new: str) -> str:
    """What a correct reader must do with this header mutation: 'same', 'error', 'valid' or 'duration'."""
    old = get_field(data, field, signal)
    new_s = new.encode("latin-1", "replace").decode("latin-1")[:field_span(data, field, signal)[1]].strip()
    if new_s == old:
        return "same"
    ann = signal is not None and get_field(data, "label", signal) in ("EDF Annotations", "BDF Annotations")
    if signal is None:
        if field in ("patient", "recording", "startdate", "reserved"):
            return "same"
        if field == "starttime":
            return "valid"
        if field == "version":
            return "same" if new_s == "0" else "error"
        if field == "n_records":
            return "same" if _int(new_s) in (-1, _int(old)) else "error"
        if field in ("header_bytes", "ns"):
            return "same" if _int(new_s) == _int(old) else "error"
        if field == "record_duration":
            v, o = _num(new_s), _num(old)
            if v is not None and math.isfinite(v) and v == o:
                return "same"
            n_rec = _int(get_field(data, "n_records", None))
            return "duration" if v is not None and math.isfinite(v) and 0 < v and n_rec * v <= 14 * 86400 \
                else "error"
    if field in ("transducer", "prefilter", "sreserved"):
        return "same"
    if field in ("label", "units"):
        return "valid"
    if field == "spr":
        return "same" if _int(new_s) == _int(old) else "error"
    if ann:
        return "same"  # the ranges of an annotation signal are not used
    bdf = data[:1] == b"\xff"
    lo, hi = (-(1 << 23), (1 << 23) - 1) if bdf else (-32768, 32767)
    if field in ("pmin", "pmax"):
        v = _num(new_s)
        other = _num(get_field(data, "pmax" if field == "pmin" else "pmin", signal))
        if v is None or not math.isfinite(v) or abs(v) > 1e12 or v == other:
            return "error"
        return "same" if v == _num(old) else "valid"
    if field in ("dmin", "dmax"):
        v = _int(new_s)
        other = _int(get_field(data, "dmax" if field == "dmin" else "dmin", signal))
        if v is None or not lo <= v <= hi or (v >= other if field == "dmin" else v <= other):
            return "error"
        return "same" if v == _int(old) else "valid"
    return "valid"


# ------------------------------------------------------------------ base files
def setup(workdir: str) -> None:
    """Write the base recordings and scoring files, score them once (warms every kernel)."""
    import jerkdetect as jd
    from jerkdetect.io.edf_write import SignalSpec, write_edf
    from jerkdetect.simulate import simulate_night
    WORK["dir"] = workdir
    os.makedirs(workdir, exist_ok=True)
    night = simulate_night(seed=5, duration_h=0.5, fs_emg=256, fs_eeg=128, full_montage=False,
                           plm_series_per_hour=4, isolated_lm_per_hour=20, noisy_stretches_per_leg=0)
    base = os.path.join(workdir, "base")
    p = night.write(base, "edf", embed_annotations=True, include_leg_movements=True)
    pb = night.write(os.path.join(workdir, "base_bdf"), "bdf", bdf=True)
    # EDF+D: 20 min recorded, a 100-s gap after the first 10 min
    n_rec = 1200
    onsets = np.concatenate([np.arange(600), np.arange(700, 1300)]).astype(float)
    specs = [SignalSpec(lab, x[: int(n_rec * night.fs[lab])], night.fs[lab]) for lab, x in night.signals.items()
             if night.fs[lab] >= 100]
    pd_ = os.path.join(workdir, "base_d", "edfd.edf")
    os.makedirs(os.path.dirname(pd_), exist_ok=True)
    write_edf(pd_, specs, night.start, [(650.0, 3.0, "Arousal")], record_onsets=onsets)
    shutil.copy(p["scoring"], os.path.join(workdir, "base_d", "edfd.xml"))
    BASE.update(night=night, edf=p["recording"], xml=p["scoring"], bdf=pb["recording"], bdf_xml=pb["scoring"],
                edfd=pd_, edfd_xml=os.path.join(workdir, "base_d", "edfd.xml"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, ann in (("edf", "xml"), ("bdf", "bdf_xml"), ("edfd", "edfd_xml")):
            BASE["res_" + key] = fingerprint(jd.score(BASE[key], annotations=BASE[ann]))
        BASE["res_embedded"] = fingerprint(jd.score(jd.read_psg(BASE["edf"])))
        arrays = {k: night.signals[k] for k in ("Leg L", "Leg R", "EMG Chin")}
        BASE["res_arrays"] = fingerprint(jd.score(jd.Recording.from_arrays(arrays, 256.0, start=night.start),
                                                  annotations=night.hypnogram))
        jd.score(jd.Recording.from_arrays(arrays, 256.0), annotations=night.hypnogram, rules="aasm2012")
    write_profusion(os.path.join(workdir, "base", "profusion.xml"), night)


def write_profusion(path: str, night) -> None:
    ev = "".join(f"<ScoredEvent><Name>{'Arousal ()' if k == 'a' else 'Obstructive Apnea'}</Name>"
                 f"<Start>{o:.1f}</Start><Duration>{d:.1f}</Duration><Input>C3</Input></ScoredEvent>"
                 for k, (o, d) in [("a", a) for a in night.truth["arousals"]]
                 + [("r", (a, d)) for a, d, _ in night.truth["respiratory"]])
    lm = "".join(f"<ScoredEvent><Name>Limb Movement ({'Left' if x['side'] == 'left' else 'Right'})</Name>"
                 f"<Start>{x['onset']:.2f}</Start><Duration>{x['offset'] - x['onset']:.2f}</Duration></ScoredEvent>"
                 for x in night.truth["leg_movements"] if x["side"] in ("left", "right"))
    st = "".join(f"<SleepStage>{ {0: 0, 1: 1, 2: 2, 3: 3, 4: 5}.get(int(s), 0) }</SleepStage>" for s in night.stages)
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?><CMPStudyConfig><EpochLength>30</EpochLength><ScoredEventSettings>'
                "<ScoredEventSetting><Name>Arousal ()</Name></ScoredEventSetting><ScoredEventSetting><Name>"
                "Obstructive Apnea</Name></ScoredEventSetting></ScoredEventSettings>"
                f"<ScoredEvents>{ev}{lm}</ScoredEvents><SleepStages>{st}</SleepStages></CMPStudyConfig>")


def fingerprint(res) -> dict:
    s = res.summary_dict()
    keep = {k: v for k, v in s.items() if k not in ("recording", "annotation_source", "warnings", "input_notes",
                                                    "channels", "hypnogram_notes", "batch", "recording_start")}
    return {"events": res.events_tsv(), "summary": json.dumps(keep, sort_keys=True, default=str)}


# ------------------------------------------------------------------ invariants
def invariants(res, duration: float) -> str | None:
    """None when a result is self-consistent, else what is wrong."""
    from jerkdetect.core.tsv import json_default as _json_default
    s = res.summary_dict()
    try:
        json.dumps(s, allow_nan=False, default=_json_default)
    except ValueError:
        return "summary holds NaN or infinity"
    for r in res.event_rows():
        if not (math.isfinite(r["onset"]) and math.isfinite(r["duration"])):
            return f"event with non-finite time {r['onset']}, {r['duration']}"
        if r["onset"] < -1e-6 or r["onset"] > duration + 1e-6 or r["duration"] < 0:
            return f"event at {r['onset']:g} s (+{r['duration']:g}) outside the {duration:g}-s recording"
    reasons = s.get("null_reasons", {})
    for k, v in s.items():
        if v is None and k not in reasons and k not in ("recording_start", "sleep_latency_min"):
            if k in res.indices:
                return f"index {k} is null without a reason"
        if k in res.indices and isinstance(v, float) and (not math.isfinite(v) or v < 0):
            return f"index {k} is {v}"
    tst = s.get("tst_min")
    if tst is not None and tst > duration / 60 + 1e-6:
        return f"TST {tst:.2f} min exceeds the {duration / 60:.2f}-min recording"
    return None


# ------------------------------------------------------------------ runners
def _case_dir(name: str) -> str:
    d = os.path.join(WORK["dir"], "cases", f"{name}-{os.getpid()}")
    os.makedirs(d, exist_ok=True)
    return d


def _score(path, **kw):
    import jerkdetect as jd
    res = jd.score(path, **kw)
    rec = jd.read_psg(path) if isinstance(path, str) else path
    return res, rec.duration


def _judge(expect: str, res, duration: float, base_key: str | None) -> dict:
    bad = invariants(res, duration)
    if bad:
        return {"status": "wrong", "detail": bad}
    if expect in ("same", "error") and base_key is not None:
        if fingerprint(res) != BASE[base_key]:
            want = "an error" if expect == "error" else "the unmutated result"
            return {"status": "wrong", "detail": f"expected {want}"
                                                 f", got a different result ({res!r})"}
    return {"status": "result", "detail": repr(res)}


def run_edf_field(case: dict) -> dict:
    base = case.get("base", "edf")
    data = open(BASE[base], "rb").read()
    ns = int(data[252:256].strip())
    sig = None if case["signal"] is None else case["signal"] % ns
    new = case["text"]
    if new == "@swap":  # swap min and max of the same signal
        pair = {"pmin": "pmax", "pmax": "pmin", "dmin": "dmax", "dmax": "dmin"}[case["field"]]
        new = get_field(data, pair, sig)
        data = set_field(data, pair, sig, get_field(data, case["field"], sig))
        expect = "valid" if case["field"] in ("pmin", "pmax") else "error"
    elif new == "@other":  # another signal's value
        new = get_field(data, case["field"], (sig + 1) % ns if sig is not None else 0)
        expect = classify_field(data, case["field"], sig, new)
    else:
        expect = classify_field(data, case["field"], sig, new)
    mutated = set_field(data, case["field"], sig, new)
    d = _case_dir("field")
    path = os.path.join(d, os.path.basename(BASE[base]))
    open(path, "wb").write(mutated)
    res, dur = _score(path, annotations=BASE[base + "_xml" if base != "edf" else "xml"])
    if expect == "duration":
        import jerkdetect as jd
        rec = jd.read_psg(path)
        v = float(new)
        n_rec = int(get_field(data, "n_records", None))
        ch = rec.channel("leg_left")
        spr = round(256 * float(get_field(data, "record_duration", None)))
        span = n_rec * v if base != "edfd" else 1299 + v  # EDF+D: the last record starts at 1299 s
        if abs(rec.duration - span) > 1e-6 * max(1.0, span) or abs(ch.fs - spr / v) > 1e-9 * ch.fs:
            return {"status": "wrong", "detail": f"record duration {v}: duration {rec.duration}, rate {ch.fs}"}
    out = _judge(expect, res, dur, "res_" + base)
    out["expect"] = expect
    return out


def run_edf_bytes(case: dict) -> dict:
    base = case.get("base", "edf")
    data = bytearray(open(BASE[base], "rb").read())
    hdr = 256 * (int(data[252:256].strip()) + 1)
    if case["op"] == "truncate":
        data = data[: case["pos"] % (len(data) + 1)]
        expect = "error" if len(data) < len(open(BASE[base], "rb").read()) else "same"
    else:
        region = case.get("region", "data")
        lo, hi = (0, hdr) if region == "header" else (hdr, len(data))
        pos = lo + case["pos"] % (hi - lo)
        data[pos] = case["value"] % 256
        expect = "valid"
    d = _case_dir("bytes")
    path = os.path.join(d, os.path.basename(BASE[base]))
    open(path, "wb").write(bytes(data))
    res, dur = _score(path, annotations=BASE[base + "_xml" if base != "edf" else "xml"])
    out = _judge(expect, res, dur, "res_" + base)
    out["expect"] = expect
    return out


def _annotation_slot(data: bytes) -> tuple[int, int, int, int]:
    """(header bytes, record bytes, start, length) of the annotation signal inside each record."""
    ns = int(data[252:256].strip())
    spr = [int(get_field(data, "spr", i)) for i in range(ns)]
    sb = 3 if data[:1] == b"\xff" else 2
    ann = [i for i in range(ns) if get_field(data, "label", i) in ("EDF Annotations", "BDF Annotations")][0]
    return 256 * (ns + 1), sum(spr) * sb, sum(spr[:ann]) * sb, spr[ann] * sb


def run_tal(case: dict) -> dict:
    base = case.get("base", "edf")
    data = bytearray(open(BASE[base], "rb").read())
    hdr, rb, start, n = _annotation_slot(bytes(data))
    n_rec = (len(data) - hdr) // rb
    r = case["record"] % n_rec
    keep = f"+{r}\x14\x14\x00" if base == "edf" else None
    if base == "edfd":
        keep = f"+{[*range(600), *range(700, 1300)][r]}\x14\x14\x00"
    body = case["tal"].encode("latin-1", "replace")
    blob = (body if case.get("timekeeping") else keep.encode() + body)[:n]
    off = hdr + r * rb + start
    data[off:off + n] = blob.ljust(n, b"\x00")
    d = _case_dir("tal")
    path = os.path.join(d, "tal.edf")
    open(path, "wb").write(bytes(data))
    res, dur = _score(path) if base == "edf" else _score(path, annotations=BASE["edfd_xml"])
    return _judge("valid", res, dur, None)


def run_edfd_onsets(case: dict) -> dict:
    data = bytearray(open(BASE["edfd"], "rb").read())
    hdr, rb, start, n = _annotation_slot(bytes(data))
    onsets = [*map(float, range(600)), *map(float, range(700, 1300))]
    texts = [f"+{o:g}" for o in onsets]
    for r, t in case["changes"]:
        r %= len(texts)
        texts[r] = t
        try:
            onsets[r] = float(t) if re.fullmatch(r"[+-]\d+(\.\d*)?", t) else float("nan")
        except ValueError:
            onsets[r] = float("nan")
    for r, t in enumerate(texts):
        off = hdr + r * rb + start
        old = bytes(data[off:off + n])
        rest = old[old.find(b"\x14\x14\x00") + 3:]
        blob = (t.encode("latin-1", "replace") + b"\x14\x14\x00" + rest)[:n]
        data[off:off + n] = blob.ljust(n, b"\x00")
    o = np.array(onsets)
    valid = bool(np.isfinite(o).all() and o[0] >= 0 and np.all(o[1:] >= o[:-1] + 1 - 1e-6))
    d = _case_dir("edfd")
    path = os.path.join(d, "edfd.edf")
    open(path, "wb").write(bytes(data))
    res, dur = _score(path, annotations=BASE["edfd_xml"])
    if not valid:
        return {"status": "wrong", "detail": f"invalid record onsets accepted ({res!r})", "expect": "error"}
    out = _judge("valid", res, dur, None)
    out["expect"] = "valid"
    return out


def run_scoring(case: dict) -> dict:
    if "seed" in case:  # drawn here, where the base files are
        case = scoring_variants(np.random.default_rng(case["seed"]), case["seed"] % 6 + 1)[-1]
    d = _case_dir("scoring")
    path = os.path.join(d, "scoring" + case["ext"])
    open(path, "wb").write(case["content"])
    if case.get("alone"):  # annotation-only scoring: the scoring file is the whole night
        import jerkdetect as jd
        res = jd.score_annotations(path)
        return _judge("valid", res, float(res.info["duration_s"]), None)
    kw = {"leg_movements": "scoring"} if case.get("from_scoring") else {}
    res, dur = _score(BASE["edf"], annotations=path, **kw)
    return _judge("valid", res, dur, None)


def run_arrays(case: dict) -> dict:
    import jerkdetect as jd
    night = BASE["night"]
    sig = {k: np.array(night.signals[k], dtype=np.float64) for k in ("Leg L", "Leg R", "EMG Chin")}
    fs = case.get("fs", 256.0)
    units = case.get("units", "uV")
    mut = case["mut"]
    expect = "valid"
    bad = None
    if mut in ("nan", "inf", "-inf", "huge"):
        lab = case.get("label", "Leg L")
        n = sig[lab].size
        a = case["pos"] % n
        b = min(n, a + 1 + case["length"] % (60 * 256))
        sig[lab][a:b] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "huge": 1e300}[mut]
        bad = (a / 256.0, b / 256.0)
    elif mut == "volts":
        sig = {k: v * 1e-6 for k, v in sig.items()}
        expect = "error"
    elif mut == "millivolts":
        sig = {k: v * 1e-3 for k, v in sig.items()}
        expect = "error"
    elif mut == "fs":
        expect = "error" if not (isinstance(fs, (int, float)) and math.isfinite(fs) and 0 < fs <= 1e6) else \
            "valid"
    elif mut == "shape":
        sig["Leg L"] = np.stack([sig["Leg L"], sig["Leg L"]])
        expect = "error"
    elif mut == "empty":
        sig["Leg L"] = np.zeros(0)
        expect = "error"
    elif mut == "dtype":
        sig["Leg L"] = sig["Leg L"].astype(case.get("dtype", "int16"))
    rec = jd.Recording.from_arrays(sig, fs, units=units, start=night.start,
                                   annotations=case.get("annotations", ()))
    res = jd.score(rec, annotations=night.hypnogram)
    out = _judge("valid", res, rec.duration, None)
    if out["status"] != "result":
        return out
    if expect == "error":
        return {"status": "wrong", "detail": f"{mut}: expected an error, got {res!r}", "expect": expect}
    if bad is not None:
        role = {"Leg L": "leg_left", "Leg R": "leg_right", "EMG Chin": "chin"}[case.get("label", "Leg L")]
        # only that leg's movements leave (the other leg keeps scoring: bilateral or its own side)
        mine = np.isin(res.lm.side, (0 if role == "leg_left" else 1, 2))
        on = res.lm.onset[mine] if role != "chin" else np.zeros(0)
        inside = (on > bad[0]) & (on < bad[1])
        if inside.any():
            return {"status": "wrong", "detail": f"LM at {on[inside][0]:.2f} s inside the {mut} stretch {bad}"}
        u = res.bursts[role].unscorable
        if not ((u[:, 0] <= bad[0] + 1e-6) & (u[:, 1] >= bad[1] - 1e-6)).any():
            return {"status": "wrong", "detail": f"{mut} stretch {bad} not unscorable ({u.tolist()[:4]})"}
    return out


def run_manifest(case: dict) -> dict:
    import jerkdetect as jd
    d = _case_dir("manifest")
    for f in os.listdir(d):
        p = os.path.join(d, f)
        shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    os.link(BASE["edf"], os.path.join(d, "data", "a.edf"))
    os.link(BASE["xml"], os.path.join(d, "data", "a.xml"))
    man = os.path.join(d, "manifest" + case.get("ext", ".csv"))
    open(man, "wb").write(case["content"])
    df = jd.score_many([man], os.path.join(d, "out"), jobs=1, export=False)
    if df["stem"].str.lower().duplicated().any():
        return {"status": "wrong", "detail": "two nights share an output stem"}
    failed = df[df.status == "failed"]
    for e in failed["error"]:
        if "unexpected" in str(e):
            return {"status": "crash", "detail": f"a night failed unexpectedly: {e}"}
    return {"status": "result", "detail": f"{len(df)} nights, {len(failed)} failed"}


def run_names(case: dict) -> dict:
    import jerkdetect as jd
    res = jd.score(BASE["edf"], annotations=BASE["xml"], **{case["name"]: case["value"]}) \
        if case.get("where") == "score" else None
    if case.get("where") == "label":
        r = jd.score(BASE["edf"], annotations=BASE["xml"])
        m = r.get_mask(100.0, case["name"])
        ok = case["name"].strip().lower() in ("lm", "plm", "lm_long", "hypnic_jerk")
        return {"status": "result" if ok else "wrong", "detail": f"label {case['name']!r} gave a mask of {m.sum()}"}
    from jerkdetect.rules import rule_param_names
    ok = case["name"] in rule_param_names("wasm2016")
    return {"status": "result" if ok else "wrong", "detail": f"{case['name']!r} accepted ({res!r})"}


LAYOUTS = [["S001/V1/PSG.edf", "S002/V1/PSG.edf"], ["night01.edf", "night01.rec"], ["A.edf", "a.edf"],
           ["x/y/z/n.edf", "w/y/z/n.edf"], ["n.edf", "sub/n.edf", "sub/sub/n.edf"], ["a b.edf", "a_b.edf"],
           ["p/PSG.EDF", "q/psg.edf"], ["SN001.edf", "SN001_sleepscoring.edf"], ["x-PSG.edf", "x-Hypnogram.edf"],
           ["r/night.edf", "r/night_scored.edf"], ["V1__PSG.edf", "S001/V1/PSG.edf"]]


def run_layout(case: dict) -> dict:
    """A folder of nights whose names could collide: every night must keep its own outputs."""
    import jerkdetect as jd
    d = _case_dir("layout")
    shutil.rmtree(d)
    src = os.path.join(d, "in")
    for rel in case["files"]:
        p = os.path.join(src, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.link(BASE["edf"], p)
        shutil.copy(BASE["xml"], os.path.splitext(p)[0] + ".xml")
    out = os.path.join(d, "out")
    df = jd.score_many([src], out, jobs=1, export=False)
    if df["stem"].str.lower().duplicated().any():
        return {"status": "wrong", "detail": f"stems collide: {df['stem'].tolist()}"}
    for _, row in df.iterrows():
        if row["status"] != "ok":
            continue
        s = json.load(open(os.path.join(out, f"{row['stem']}_summary.json")))
        if s["recording"] != row["recording"]:
            return {"status": "wrong", "detail": f"{row['stem']} holds the outputs of {s['recording']}"}
    return {"status": "result", "detail": f"stems {df['stem'].tolist()}"}


RUNNERS = {"layout": run_layout, "edf_field": run_edf_field, "edf_bytes": run_edf_bytes, "tal": run_tal,
           "edfd_onsets": run_edfd_onsets,
           "scoring": run_scoring, "arrays": run_arrays, "manifest": run_manifest, "names": run_names}


def families() -> list:
    """The mutation families kept in their own modules (``tests/mutation_families_*.py``), each
    with ``cases()`` and ``RUNNERS``."""
    import glob
    import importlib
    here = os.path.dirname(os.path.abspath(__file__))
    return [importlib.import_module(os.path.basename(p)[:-3])
            for p in sorted(glob.glob(os.path.join(here, "mutation_families_*.py")))]


def family_cases() -> list[dict]:
    """Every case of the family modules (the sweep adds them to its own)."""
    return [c for m in families() for c in m.cases()]


def execute(case: dict) -> dict:
    """Run one case; never raises (see the module docstring for the outcomes)."""
    from jerkdetect.errors import JerkdetectError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if case["kind"] not in RUNNERS:
                for m in families():
                    RUNNERS.update(m.RUNNERS)
            return RUNNERS[case["kind"]](case)
        except JerkdetectError as e:
            return {"status": "error", "detail": str(e)[:400]}
        except MemoryError as e:
            return {"status": "oom", "detail": f"MemoryError {e}"}
        except RecursionError as e:
            return {"status": "crash", "detail": f"RecursionError {e}"}
        except Exception as e:  # noqa: BLE001
            tb = traceback.extract_tb(e.__traceback__)
            where = [f"{os.path.basename(f.filename)}:{f.lineno}" for f in tb][-3:]
            return {"status": "crash", "detail": f"{type(e).__name__}: {str(e)[:200]} at {' < '.join(reversed(where))}"}


# ------------------------------------------------------------------ scoring-file mutations
def scoring_variants(rng: np.random.Generator, n: int) -> list[dict]:
    """Mutated NSRR XML, Profusion XML, CSV/TSV tables and stage lists."""
    night_xml = open(BASE["xml"], "rb").read() if BASE else b""
    prof = open(os.path.join(WORK["dir"], "base", "profusion.xml"), "rb").read() if BASE else b""
    out = []
    nasty = [s.encode("latin-1", "replace") for s in NASTY] + [b"1e12", b"-1e12", b"1e300", b"3600", b"1800"]
    for k in range(n):
        kind = k % 6
        if kind in (0, 1):  # NSRR / Profusion: replace numbers inside tags
            src = night_xml if kind == 0 else prof
            tags = [b"Start", b"Duration", b"EpochLength", b"SleepStage", b"ClockTime"]
            tag = tags[rng.integers(len(tags))]
            hits = [m.span(1) for m in re.finditer(b"<" + tag + b">([^<]*)</" + tag + b">", src)]
            content = src
            for _ in range(int(rng.integers(1, 4))):
                if not hits:
                    break
                a, b = hits[int(rng.integers(len(hits)))]
                v = nasty[int(rng.integers(len(nasty)))]
                content = content[:a] + v + content[b:]
                hits = [m.span(1) for m in re.finditer(b"<" + tag + b">([^<]*)</" + tag + b">", content)]
            if rng.random() < 0.15:
                content = content[: int(rng.integers(len(content)))]
            out.append({"kind": "scoring", "ext": ".xml", "content": content,
                        "from_scoring": bool(kind == 1 and rng.random() < 0.5), "alone": bool(rng.random() < 0.3)})
        elif kind in (2, 3):  # tables
            sep = [b"\t", b",", b";"][int(rng.integers(3))]
            rows = [b"onset" + sep + b"duration" + sep + b"description"]
            for i in range(int(rng.integers(0, 80))):
                o = nasty[int(rng.integers(len(nasty)))] if rng.random() < 0.2 else str(30 * i).encode()
                dd = nasty[int(rng.integers(len(nasty)))] if rng.random() < 0.2 else b"30"
                desc = [b"N2", b"W", b"Arousal", b"Limb movement - left", b"Obstructive apnea", b"R",
                        b"Sleep stage 3", b"\xff\xfe" if rng.random() < 0.02 else b"N1"][int(rng.integers(8))]
                rows.append(sep.join([o, dd, desc]))
            if rng.random() < 0.2:
                rows = rows[1:]
            out.append({"kind": "scoring", "ext": [b".csv", b".tsv"][kind - 2].decode(),
                        "content": b"\n".join(rows) + b"\n", "from_scoring": bool(rng.random() < 0.3)})
        elif kind == 4:  # stage lists
            head = [b"", b"# epoch_length=" + nasty[int(rng.integers(len(nasty)))] + b"\n"][int(rng.integers(2))]
            words = [b"W", b"N1", b"N2", b"N3", b"REM", b"?", b"2", b"9", b"x", b"\xe9", b"-2", b"UNS", b"ART"]
            body = b"\n".join(words[int(rng.integers(len(words)))] for _ in range(int(rng.integers(0, 90))))
            out.append({"kind": "scoring", "ext": ".txt", "content": head + body})
        else:  # random garbage with a known extension
            ext = [".xml", ".csv", ".tsv", ".txt", ".edf"][int(rng.integers(5))]
            content = bytes(rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8))
            if ext == ".edf":
                content = open(BASE["edf"], "rb").read()[: 256 + int(rng.integers(0, 4096))] if BASE else content
            out.append({"kind": "scoring", "ext": ext, "content": content})
    return out
