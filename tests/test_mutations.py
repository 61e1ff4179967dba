"""Property tests: a few hundred mutated inputs, each in its own sandboxed process.

Each draw is a mutated EDF/BDF/EDF+D header field, a truncation or byte flip, an EDF+ TAL, a set
of EDF+D record onsets, a scoring file (NSRR/Profusion XML, CSV/TSV, stage list), arrays given
to the Python API, a batch manifest, or a keyword/label name. Every one must end in a result
that passes the oracle or a jerkdetect error: never another exception, never a signal (the
child is forked, so a segfault is seen, not suffered), never more memory than the cap, never a
silently wrong result (see ``tests/mutation_cases.py``). The exhaustive sweep (thousands of
cases) is ``benchmarks/mutation_sweep.py``.
"""
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

from mutation_cases import FIXED, NASTY, PER_SIGNAL, TAL_DURATIONS, TAL_ONSETS, TEXT_NASTY  # noqa: E402
from sandbox import OK, hypothesis_settings  # noqa: E402

SETTINGS = hypothesis_settings()



def check(sandbox, case):
    out = sandbox.run(case)
    assert out["status"] in OK, f"{case} -> {out}"


values = st.one_of(st.sampled_from(NASTY + TEXT_NASTY + ["@other"]),
                   st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=10))


@settings(max_examples=90, **SETTINGS)
@given(field=st.sampled_from(sorted(FIXED) + [n for n, _ in PER_SIGNAL]), signal=st.integers(0, 7),
       text=values, base=st.sampled_from(["edf", "edf", "bdf", "edfd"]))
def test_header_field_mutations(sandbox, field, signal, text, base):
    sig = None if field in FIXED else signal
    if text == "@other" and sig is None:
        text = "1"
    check(sandbox, {"kind": "edf_field", "field": field, "signal": sig, "text": text, "base": base})


@settings(max_examples=12, **SETTINGS)
@given(field=st.sampled_from(["pmin", "pmax", "dmin", "dmax"]), signal=st.integers(0, 7),
       base=st.sampled_from(["edf", "bdf"]))
def test_swapped_ranges(sandbox, field, signal, base):
    """Swapped digital range: error; swapped physical range (negative gain, EDF spec): scored."""
    check(sandbox, {"kind": "edf_field", "field": field, "signal": signal, "text": "@swap", "base": base})


@settings(max_examples=25, **SETTINGS)
@given(op=st.sampled_from(["truncate", "flip", "flip"]), pos=st.integers(0, 1 << 24), value=st.integers(0, 255),
       region=st.sampled_from(["header", "data"]), base=st.sampled_from(["edf", "bdf", "edfd"]))
def test_truncations_and_byte_flips(sandbox, op, pos, value, region, base):
    check(sandbox, {"kind": "edf_bytes", "op": op, "pos": pos, "value": value, "region": region, "base": base})


@settings(max_examples=25, **SETTINGS)
@given(record=st.integers(0, 2000), onset=st.sampled_from(TAL_ONSETS), dur=st.sampled_from(TAL_DURATIONS),
       text=st.sampled_from(["Arousal", "Sleep stage 2", "Limb movement - left", "\xff", ""]),
       timekeeping=st.booleans(), base=st.sampled_from(["edf", "edf", "edfd"]))
def test_tal_mutations(sandbox, record, onset, dur, text, timekeeping, base):
    tal = f"{onset}{dur}\x14{text}\x14\x00"
    check(sandbox, {"kind": "tal", "record": record, "tal": tal, "timekeeping": timekeeping, "base": base})


@settings(max_examples=15, **SETTINGS)
@given(changes=st.lists(st.tuples(st.integers(0, 1199), st.sampled_from(
    TAL_ONSETS + ["+0", "+1299", "+600", "+599.5", "+1300", "-1"])), min_size=1, max_size=3))
def test_edf_plus_d_record_onsets(sandbox, changes):
    check(sandbox, {"kind": "edfd_onsets", "changes": changes})


@settings(max_examples=45, **SETTINGS)
@given(seed=st.integers(0, 10 ** 6))
def test_scoring_file_mutations(sandbox, seed):
    check(sandbox, {"kind": "scoring", "seed": seed})


@settings(max_examples=25, **SETTINGS)
@given(mut=st.sampled_from(["nan", "inf", "-inf", "huge", "volts", "millivolts", "fs", "shape", "empty", "dtype"]),
       pos=st.integers(0, 10 ** 7), length=st.integers(0, 10 ** 6),
       fs=st.sampled_from([float("nan"), float("inf"), -256.0, 0.0, 1e-3, 1e12, 256.0, 512.0]),
       label=st.sampled_from(["Leg L", "Leg R", "EMG Chin"]))
def test_array_mutations(sandbox, mut, pos, length, fs, label):
    case = {"kind": "arrays", "mut": mut, "pos": pos, "length": length, "label": label}
    if mut == "fs":
        case["fs"] = fs
    check(sandbox, case)


cells = st.sampled_from(["data/a.edf", "data/missing.edf", "", "data/a.xml", "/nonexistent/x.edf", "data",
                         "leg_left=Leg L;leg_right=Leg R", "leg_left", "=", "chin=EMG Chin;", "legg_left=X",
                         "\xe9", "\"a,b\"", "data/a.edf;data/a.edf"])


@settings(max_examples=10, **SETTINGS)
@given(header=st.sampled_from(["recording,annotations,channels", "recording;channels", "path\tchannels",
                               "channels", "recording"]),
       rows=st.lists(st.lists(cells, min_size=1, max_size=4), max_size=3),
       encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_manifest_mutations(sandbox, header, rows, encoding):
    sep = ";" if ";" in header else "\t" if "\t" in header else ","
    text = "\n".join([header] + [sep.join(r) for r in rows]) + "\n"
    check(sandbox, {"kind": "manifest", "content": text.encode(encoding, "replace")})


@settings(max_examples=15, **SETTINGS)
@given(name=st.sampled_from(["annotation", "max_imi", "rule_param", "plms", "PLM", "Lm", "lm_long", "jerk",
                             "min_imi_s", "hypnic_jerk", "LM ", "all"]),
       where=st.sampled_from(["score", "label"]))
def test_names(sandbox, name, where):
    """Unknown keyword or label names raise (closest match first); valid ones work."""
    check(sandbox, {"kind": "names", "name": name, "where": where, "value": 10.0})
