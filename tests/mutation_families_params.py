"""Mutation families of issue 20 (part B): every parameter set to nasty values, and a disk that
fails (full, no permission, read-only) at each output file of a night.

``cases()`` lists them for ``benchmarks/mutation_sweep.py``; ``RUNNERS`` joins those of
``tests/mutation_cases.py`` (same outcomes: result, error, wrong, crash, oom).

Oracle, parameters: NaN, infinities, -1, 1e30, a word, a bool, None (where the field takes no
None), a swapped, empty or half-NaN band, a too short tuple must be refused (a result is
``wrong``); 0 may be refused or scored (the result must keep the invariants); a value equal to
the default in another type (8 for 8.0, a NumPy scalar, a list for a tuple, 1 for True) must be
refused or give exactly the default's result. Disk: the write must raise an ``OutputError``
whose sentence names the final file (never a ``.tmp-`` name) and the cause, and leave no file of
the night (``wrong`` otherwise); through a batch, the night's row must say so and its report go too.
"""
from __future__ import annotations

import errno
import math
import os
import shutil
from dataclasses import MISSING, fields

import numpy as np

GROUPS = ("detection", "arousal", "rules", "aasm2012", "hypnic", "motor")
ERROR = ("nan", "inf", "-inf", "-1", "1e30", "word", "bool", "none")


def _classes() -> dict:
    from jerkdetect.detection import ArousalParams, DetectionParams
    from jerkdetect.rules import AASM2012, WASM2016, HypnicJerkRule
    from jerkdetect.rules.motor_events import MotorRules
    return {"detection": DetectionParams, "arousal": ArousalParams, "rules": WASM2016, "aasm2012": AASM2012,
            "hypnic": HypnicJerkRule, "motor": MotorRules}


def _params(group: str) -> dict[str, object]:
    """name -> default of every parameter of a group (motor rules by flat name; aasm2012: its own)."""
    cls = _classes()[group]
    if group == "motor":
        return cls().flat()
    out = {f.name: (f.default if f.default is not MISSING else f.default_factory()) for f in fields(cls)
           if f.name != "name"}
    if group == "aasm2012":
        wasm = {f.name for f in fields(_classes()["rules"])}
        out = {k: v for k, v in out.items() if k not in wasm}
    return out


def nasty(default) -> list[tuple[str, str]]:
    """(label, expectation) of the values tried on a parameter with this default."""
    if isinstance(default, bool):
        return [("int", "same"), ("npbool", "same"), ("word", "error"), ("none", "error"), ("nan", "error")]
    if isinstance(default, (int, float)):
        out = [(v, "error") for v in ERROR] + [("0", "either"), ("np", "same")]
        return out + [("int" if isinstance(default, float) else "float", "same")] \
            if float(default).is_integer() else out
    if isinstance(default, tuple) and len(default) == 2 and all(isinstance(x, float) for x in default):
        return [("swap", "error"), ("equal", "error"), ("hi_nan", "error"), ("hi_inf", "error"),
                ("hi_1e30", "error"), ("one", "error"), ("word", "error"), ("list", "same")]
    if isinstance(default, tuple):  # stages, muscles
        return [("empty", "error"), ("unknown", "error"), ("word", "error"), ("list", "same")]
    return [("word", "error"), ("nan", "error"), ("upper", "error")]  # a word (notch "auto", frequency_basis)


def value(label: str, default):
    """The mutated value itself."""
    simple = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-1": -1, "1e30": 1e30, "word": "abc",
              "bool": True, "none": None, "0": 0}
    if label in simple:
        return simple[label]
    if label == "np":
        return np.float64(default) if isinstance(default, float) else np.int64(default)
    if label == "int":
        return int(default)
    if label == "float":
        return float(default)
    if label == "npbool":
        return np.bool_(default)
    if label == "upper":
        return str(default).upper() + "x"
    lo, hi = (default + (None, None))[:2] if isinstance(default, tuple) else (None, None)
    return {"swap": (hi, lo), "equal": (lo, lo), "hi_nan": (lo, math.nan), "hi_inf": (lo, math.inf),
            "hi_1e30": (lo, 1e30), "one": (lo,), "list": list(default), "empty": (),
            "unknown": tuple(default[:1]) + ("nonsense",)}[label]


def cases() -> list[dict]:
    out = []
    for group in GROUPS:
        for name, default in _params(group).items():
            for label, expect in nasty(default):
                out.append({"kind": "params", "group": group, "name": name, "label": label, "expect": expect})
    for where in ("write", "batch"):
        for target in OUTPUTS:
            for code in ("ENOSPC", "EACCES", "EROFS"):
                if where == "batch" and code != "ENOSPC":
                    continue
                out.append({"kind": "disk", "where": where, "file": target, "code": code})
    return out


def _score_with(group: str, name: str, v):
    """Score the base night with one parameter set (arousal parameters with EEG detection on)."""
    import jerkdetect as jd
    from jerkdetect.detection import ArousalParams, DetectionParams
    from jerkdetect.rules import HypnicJerkRule
    from mutation_cases import BASE
    kw: dict = {"annotations": BASE["xml"]}
    if group == "detection":
        kw["detection"] = DetectionParams(**({} if name is None else {name: v}))
    elif group == "arousal":
        kw.update(arousals="detect", arousal_params=ArousalParams(**({} if name is None else {name: v})))
    elif group in ("rules", "aasm2012"):
        kw.update(rules="wasm2016" if group == "rules" else "aasm2012", rule_params={} if name is None else {name: v})
    elif group == "hypnic":
        kw["hypnic"] = HypnicJerkRule(**({} if name is None else {name: v}))
    elif group == "motor":
        kw["motor"] = {} if name is None else {name: v}
    return jd.score(BASE["edf"], **kw), jd.read_psg(BASE["edf"]).duration


def run_params(case: dict) -> dict:
    from mutation_cases import fingerprint, invariants
    default = _params(case["group"])[case["name"]]
    v = value(case["label"], default)
    res, duration = _score_with(case["group"], case["name"], v)
    bad = invariants(res, duration)
    if bad:
        return {"status": "wrong", "detail": bad}
    if case["expect"] == "error":
        return {"status": "wrong", "detail": f"{case['group']}.{case['name']} = {v!r} accepted ({res!r})"}
    if case["expect"] == "same" and fingerprint(res) != fingerprint(_score_with(case["group"], None, None)[0]):
        return {"status": "wrong", "detail": f"{case['group']}.{case['name']} = {v!r}: a result different from "
                                             f"the default's {default!r}"}
    return {"status": "result", "detail": repr(res)}


# ------------------------------------------------------------------ disk
OUTPUTS = ("events.tsv", "summary.json", "rem_epochs.tsv", "arousals.tsv", "bids_events.tsv", "bids_events.json",
           "scored.edf")


def _inject(target: str, code: str) -> None:
    """Make the write of the file named ``*target`` fail (this process only: a forked child)."""
    import tempfile
    err = getattr(errno, code)
    if code == "ENOSPC":  # the data does not fit: fsync of that file fails
        real_fsync = os.fsync

        def fsync(fd):
            if os.readlink(f"/proc/self/fd/{fd}").endswith("n_" + target):
                raise OSError(err, os.strerror(err))
            return real_fsync(fd)
        os.fsync = fsync
    elif code == "EACCES":  # the temporary cannot be created
        real_mkstemp = tempfile.mkstemp

        def mkstemp(*a, **k):
            if k.get("suffix", "").endswith("n_" + target):
                raise PermissionError(err, os.strerror(err), os.path.join(k["dir"], ".tmp-0-0-" + k["suffix"]))
            return real_mkstemp(*a, **k)
        tempfile.mkstemp = mkstemp
    else:  # EROFS at the rename onto the final name (the second phase)
        real_replace = os.replace

        def replace(src, dst):
            if str(dst).endswith("n_" + target):
                raise OSError(err, os.strerror(err), src, dst)
            return real_replace(src, dst)
        os.replace = replace


def run_disk(case: dict) -> dict:
    import jerkdetect as jd
    from jerkdetect.batch.inputs import Job
    from jerkdetect.batch.worker import score_job
    from jerkdetect.errors import OutputError
    from mutation_cases import BASE, _case_dir
    d = os.path.join(_case_dir("disk"), "out")
    shutil.rmtree(d, ignore_errors=True)
    final = os.path.join(d, "n_" + case["file"])
    if case["where"] == "batch":
        _inject(case["file"], case["code"])
        row = score_job(Job(BASE["edf"], BASE["xml"], stem="n"), d, {"rules": "wasm2016", "arousals": "detect"},
                        export=True)
        msg = row["error"]
        if row["status"] != "failed":
            return {"status": "wrong", "detail": f"the night was written although {final} failed: {row}"}
    else:
        res = jd.score(BASE["edf"], annotations=BASE["xml"], arousals="detect")
        if res.detected_arousals is None and case["file"] == "arousals.tsv":
            return {"status": "crash", "detail": "the base night has no detected arousals to write"}
        _inject(case["file"], case["code"])
        try:
            res.write(d, "n", export=True)
        except OutputError as e:
            msg = str(e)
        else:
            return {"status": "wrong", "detail": f"no error although {final} failed"}
    left = sorted(os.listdir(d)) if os.path.isdir(d) else []
    if left:
        return {"status": "wrong", "detail": f"files of the failed night left: {left}"}
    if not msg.startswith(f"cannot write {final}: ") or ".tmp-" in msg:
        return {"status": "wrong", "detail": f"the error does not name {final}: {msg}"}
    return {"status": "error", "detail": msg}


RUNNERS = {"params": run_params, "disk": run_disk}
