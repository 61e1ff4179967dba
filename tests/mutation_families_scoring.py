"""Mutation families of scoring files (issue 20): stage vocabulary, time fields, duplicated and
overlapping scored events, and scale. Collected by ``mutation_cases.family_cases`` and run by
``benchmarks/mutation_sweep.py --kinds vocabulary,duplicates,scale``.

Each runner builds its file from the sweep's base NSRR XML (``mutation_cases.BASE["xml"]``, a
simulated half-hour night with stages, arousals, respiratory events and 38 leg movements) and
knows the answer:

* ``vocabulary``: stage concepts replaced by a label of the vocabulary (the hypnogram must hold
  its code and TST follow) or by an unknown one (must be an error); Profusion ``<SleepStage>``
  codes likewise; ``<EpochLength>`` and a text list's ``# epoch_length=`` header in [1, 60] s
  honoured, outside refused; an empty ``<Start>`` or ``<Duration>`` refused.
* ``duplicates``: leg movements or arousals listed twice, or a copy inside the original on the
  same leg: the result must equal the unmutated file's; a negative, NaN or non-numeric
  duration must be an error.
* ``scale``: n scored leg-movement rows on a 24-h night (short twitches and a PLM series listed
  twice): the PLM count and index must be the series'.
"""
from __future__ import annotations

import os
import re

import numpy as np

import mutation_cases as mc

KNOWN = {"Deep Sleep": 3, "Deep sleep|3": 3, "SWS": 3, "Slow wave sleep": 3, "Stage 9 sleep|9": -1, "Unscored|9": -1,
         "Movement|6": -1, "Stage 4 sleep|4": 3, "SLEEP-S2": 2, "SLEEP-REM": 4, "SLEEP-MT": -1, "NREM3": 3,
         "Sleep stage N1": 1, "Sleep stage ?": -1, "Movement time": -1, "REM": 4, "wake": 0, " N2 ": 2, "UNS": -1}
UNKNOWN = ["", " ", "Light sleep", "NREM", "Stage X sleep|7", "Deep Sleepy", "Stage 5 sleep|8", "N5", "\xe9", "Sleep",
           "?? ", "Stage 10 sleep", "Stage 6"]
PROFUSION = [0, 1, 2, 3, 4, 5, 6, 9, 7, 8, -1, 10, "x", "", "2.5"]
EPOCHS = ["1", "20", "30", "60", "0.999", "60.5", "0", "-30", "1e-4", "1e-9", "nan", "inf", "", "abc", "30s", "1e3"]
SCALE = [10_000, 30_000, 100_000, 300_000, 1_000_000]


def cases() -> list[dict]:
    out: list[dict] = []
    for lab in list(KNOWN) + UNKNOWN:
        for count in (1, 7, 1000):
            out.append({"kind": "vocabulary", "op": "nsrr_stage", "label": lab, "count": count})
    for code in PROFUSION:
        for count in (1, 5):
            out.append({"kind": "vocabulary", "op": "profusion_stage", "code": code, "count": count})
    for v in EPOCHS:
        out.append({"kind": "vocabulary", "op": "nsrr_epoch", "value": v})
        out.append({"kind": "vocabulary", "op": "text_epoch", "value": v})
    for tag in ("Start", "Duration"):
        for which in ("Stages", "Arousal", "Limb"):
            out.append({"kind": "vocabulary", "op": "empty", "tag": tag, "which": which})
    for what in ("Limb", "Arousal"):
        for op in ("all", "some", "inside", "shifted"):
            for seed in range(3):
                out.append({"kind": "duplicates", "op": op, "what": what, "seed": seed})
    for bad in ("-1", "-0.001", "nan", "inf", "", "x", "1e300"):
        for what in ("Limb", "Arousal"):
            out.append({"kind": "duplicates", "op": "bad_duration", "what": what, "value": bad})
    out += [{"kind": "scale", "n": n} for n in SCALE]
    return out


# ------------------------------------------------------------------ helpers
def _write(name: str, text: str) -> str:
    p = os.path.join(mc._case_dir(name), name)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p


def _base_text() -> str:
    return open(mc.BASE["xml"], encoding="utf-8").read()


def _stage_lines(text: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in re.finditer(r"<EventType>Stages\|Stages</EventType><EventConcept>([^<]*)</EventConcept>",
                                           text)]


def _summary(res) -> tuple:
    s = res.summary()
    return (s["n_lm"], s["n_plm"], s.get("plms_index"), s.get("plmw_index"), s["tst_min"])


def _expect_error(res, what: str) -> dict:
    return {"status": "wrong", "detail": f"{what}: expected an error, got {res!r}"}


# ------------------------------------------------------------------ runners
def run_vocabulary(case: dict) -> dict:
    import jerkdetect as jd
    op = case["op"]
    if op == "nsrr_stage":
        text = _base_text()
        spans = _stage_lines(text)
        k = min(case["count"], len(spans))
        new = text
        for a, b in reversed(spans[:k]):
            new = new[:a] + case["label"].replace("&", "&amp;").replace("<", "&lt;") + new[b:]
        path = _write("stage.xml", new)
        res = jd.score_annotations(path)
        if case["label"] not in KNOWN:
            return _expect_error(res, f"unknown stage {case['label']!r}")
        h = res.hypnogram
        ref = jd.read_scoring(mc.BASE["xml"]).hypnogram
        want = ref.stages.copy()
        want[:k] = KNOWN[case["label"]]
        if h.stages.tolist() != want.tolist():
            return {"status": "wrong", "detail": f"{case['label']!r}: stages {h.stages[:k].tolist()}"}
        tst = float(np.isin(want, (1, 2, 3, 4)).sum()) * 30 / 60
        if abs(res.summary()["tst_min"] - tst) > 1e-6:
            return {"status": "wrong", "detail": f"TST {res.summary()['tst_min']} min, expected {tst}"}
        return mc._judge("valid", res, float(res.info["duration_s"]), None)
    if op == "profusion_stage":
        text = open(os.path.join(mc.WORK["dir"], "base", "profusion.xml"), encoding="utf-8").read()
        spans = [m.span(1) for m in re.finditer(r"<SleepStage>([^<]*)</SleepStage>", text)]
        k = min(case["count"], len(spans))
        for a, b in reversed(spans[:k]):
            text = text[:a] + str(case["code"]) + text[b:]
        res = jd.score_annotations(_write("profusion.xml", text))
        if case["code"] not in (0, 1, 2, 3, 4, 5, 6, 9):
            return _expect_error(res, f"Profusion stage {case['code']!r}")
        want = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: -1, 9: -1}[case["code"]]
        if res.hypnogram.stages[:k].tolist() != [want] * k:
            return {"status": "wrong", "detail": f"code {case['code']} read as {res.hypnogram.stages[:k].tolist()}"}
        return mc._judge("valid", res, float(res.info["duration_s"]), None)
    if op in ("nsrr_epoch", "text_epoch"):
        v = case["value"]
        try:
            ok = 1 <= float(v) <= 60
        except ValueError:
            ok = False
        if op == "nsrr_epoch":
            path = _write("epoch.xml", _base_text().replace("<EpochLength>30</EpochLength>",
                                                            f"<EpochLength>{v}</EpochLength>"))
        else:
            path = _write("hyp.txt", f"# epoch_length={v}\n" + "\n".join(["W", "N1"] + ["N2"] * 40 + ["R"] * 6) + "\n")
        sc = jd.read_scoring(path)
        if not ok:
            return _expect_error(sc, f"epoch length {v!r}")
        if sc.hypnogram.epoch_length != float(v):
            return {"status": "wrong", "detail": f"epoch length {v} read as {sc.hypnogram.epoch_length}"}
        if op == "nsrr_epoch":  # NSRR stage events carry their own times: the epochs are laid at the file's length
            res = jd.score_annotations(path)
            return mc._judge("valid", res, float(res.info["duration_s"]), None)
        return {"status": "result", "detail": repr(sc)}
    if op == "empty":
        text = _base_text()
        line = next(m for m in re.finditer(r"<ScoredEvent>.*</ScoredEvent>", text) if case["which"] in m.group(0))
        tag = case["tag"]
        ev = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}></{tag}>", line.group(0))
        path = _write("empty.xml", text[:line.start()] + ev + text[line.end():])
        return _expect_error(jd.score_annotations(path), f"empty <{tag}> in a {case['which']} event")
    raise KeyError(op)


def run_duplicates(case: dict) -> dict:
    import jerkdetect as jd
    text = _base_text()
    rng = np.random.default_rng(case.get("seed", 0))
    lines = text.splitlines()
    idx = [i for i, ln in enumerate(lines) if "<ScoredEvent>" in ln and case["what"] in ln.split("</EventType>")[0]]
    op = case["op"]
    if op == "bad_duration":
        i = idx[len(idx) // 2]
        lines[i] = re.sub(r"<Duration>[^<]*</Duration>", f"<Duration>{case['value']}</Duration>", lines[i])
        res = jd.score_annotations(_write("bad.xml", "\n".join(lines)))
        return _expect_error(res, f"duration {case['value']!r}")
    pick = idx if op == "all" else [i for i in idx if rng.random() < 0.4] or idx[:1]
    extra = []
    for i in pick:
        ln = lines[i]
        if op in ("inside", "shifted"):
            on = float(re.search(r"<Start>([^<]*)</Start>", ln).group(1))
            du = float(re.search(r"<Duration>([^<]*)</Duration>", ln).group(1))
            # inside: a copy within the original (merged back into it); shifted: a copy 0.1 s later that
            # overlaps it on the same leg (merged: the LM ends 0.1 s later)
            a, d = (on + du / 4, du / 2) if op == "inside" else (on + 0.1, du)
            ln = re.sub(r"<Start>[^<]*</Start>", f"<Start>{a:.6f}</Start>", ln)
            ln = re.sub(r"<Duration>[^<]*</Duration>", f"<Duration>{d:.6f}</Duration>", ln)
        extra.append(ln)
    end = lines.index("</ScoredEvents>")
    mutated = lines[:end] + extra + lines[end:]
    res = jd.score_annotations(_write("dup.xml", "\n".join(mutated)))
    base = jd.score_annotations(mc.BASE["xml"])
    bad = mc.invariants(res, float(res.info["duration_s"]))
    if bad:
        return {"status": "wrong", "detail": bad}
    if op == "shifted" and case["what"] == "Limb":
        # expected: each picked LM 0.1 s longer (the copy that starts 0.1 s later is merged into it)
        longer = list(lines)
        for i in pick:
            du = float(re.search(r"<Duration>([^<]*)</Duration>", lines[i]).group(1))
            longer[i] = re.sub(r"<Duration>[^<]*</Duration>", f"<Duration>{du + 0.1:.6f}</Duration>", lines[i])
        want = jd.score_annotations(_write("want.xml", "\n".join(longer)))
        if _summary(res) != _summary(want) or not np.allclose(res.lm.offset, want.lm.offset, atol=1e-6):
            return {"status": "wrong", "detail": f"shifted copies: {_summary(res)} vs {_summary(want)}"}
        return {"status": "result", "detail": repr(res)}
    if op == "shifted":  # arousals: overlapping copies are kept (only exact copies are merged); invariants hold
        return {"status": "result", "detail": repr(res)}
    if _summary(res) != _summary(base) or not np.array_equal(res.lm.onset, base.lm.onset):
        return {"status": "wrong", "detail": f"{op} {case['what']}: {_summary(res)} vs {_summary(base)}"}
    return {"status": "result", "detail": repr(res)}


def scale_table(n: int) -> tuple[str, int]:
    """An event table of a 24-h N2 night with n leg-movement rows: 60-ms twitches alternating legs
    and an unsided PLM series (1 s every 20 s) listed twice. Returns (text, series length)."""
    n_series = min(4320, n // 4)
    n_fill = n - 2 * n_series
    on = np.arange(n_fill) * (86400.0 / n_fill)
    rows = ["onset\tduration\tdescription"] + [f"{30 * k}\t30\tN2" for k in range(2880)]
    rows += [f"{o:.4f}\t0.06\tLimb movement - {'left' if k % 2 == 0 else 'right'}" for k, o in enumerate(on)]
    series = [f"{5.0 + 20.0 * k:.1f}\t1\tLimb movement" for k in range(n_series)]
    return "\n".join(rows + series + series) + "\n", n_series


def run_scale(case: dict) -> dict:
    import jerkdetect as jd
    text, n_series = scale_table(case["n"])
    res = jd.score_annotations(_write("scale.tsv", text))
    s = res.summary()
    want = n_series / 24.0
    if s["n_lm"] != n_series or abs(s["plms_index"] - want) > 1e-9:
        return {"status": "wrong", "detail": f"n={case['n']}: {s['n_lm']} LMs, PLMS index {s['plms_index']} "
                                             f"(expected {n_series}, {want})"}
    return mc._judge("valid", res, 86400.0, None)


RUNNERS = {"vocabulary": run_vocabulary, "duplicates": run_duplicates, "scale": run_scale}
