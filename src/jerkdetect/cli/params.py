"""Every parameter the command line can set: ``--param NAME=VALUE`` routing and ``jerkdetect params``.

Five groups take parameters: ``detection`` (:class:`~jerkdetect.detection.DetectionParams`, the EMG
burst detector), ``arousal`` (:class:`~jerkdetect.detection.ArousalParams`, the EEG arousal
detector), ``rules`` (the chosen rule set, :class:`~jerkdetect.rules.WASM2016` or
:class:`~jerkdetect.rules.AASM2012`), ``hypnic`` (:class:`~jerkdetect.rules.HypnicJerkRule`) and
``motor`` (:class:`~jerkdetect.rules.motor_events.MotorRules`: fragmentary myoclonus, REM
activity, REM atonia index, ALMA, HFT). A motor rule's parameter is named after its rule
(``alma.min_hz``, ``rem.tonic_fraction``, ``fragmentary_myoclonus.max_duration_s``); the
motor rules' own are bare (``exclude_rhythmic_lms``).
A bare name goes to the one group that has it; ``GROUP.NAME`` names the group explicitly
(``motor.alma.min_hz``), and a bare name that two groups share is refused (no name is shared
today; a test keeps it so). Values are parsed to the field's type here; the dataclasses check
their ranges.
"""
from __future__ import annotations

import inspect
import math
import re
from dataclasses import MISSING, fields

from ..core.names import closest_first
from ..core.params import limits_of
from ..errors import InputError

GROUP_NAMES = ("detection", "arousal", "rules", "hypnic", "motor")


def _classes(rules: str) -> dict[str, type]:
    from ..detection import ArousalParams, DetectionParams
    from ..rules import RULESETS, HypnicJerkRule
    from ..rules.motor_events import MotorRules
    return {"detection": DetectionParams, "arousal": ArousalParams, "rules": RULESETS[rules],
            "hypnic": HypnicJerkRule, "motor": MotorRules}


def _names(cls: type) -> list[str]:
    """A dataclass's parameter names; a nested rule's as ``rule.name`` (the motor rules)."""
    if hasattr(cls, "from_flat"):
        return list(cls().flat())
    return [f.name for f in fields(cls) if f.name != "name"]


def groups(rules: str = "wasm2016") -> dict[str, tuple[type, list[str]]]:
    """group -> (dataclass, its parameter names) for a rule set ("wasm2016" or "aasm2012")."""
    return {g: (cls, _names(cls)) for g, cls in _classes(rules).items()}


def _owner(cls: type, name: str) -> tuple[type, str]:
    """The dataclass that holds parameter ``name`` of ``cls`` and its own name there
    (``alma.min_hz`` of MotorRules: ALMARule, ``min_hz``)."""
    if "." in name:
        sub, _, rest = name.partition(".")
        return type(getattr(cls(), sub)), rest
    return cls, name


def _field(cls: type, name: str):
    cls, name = _owner(cls, name)
    return next(f for f in fields(cls) if f.name == name)


def _number(name: str, text: str, kind: type):
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"--param {name} takes a number, got '{text}'.") from None
    if not math.isfinite(v):
        raise InputError(f"--param {name} must be a finite number, got '{text}'.")
    if kind is int:
        if v != int(v):
            raise InputError(f"--param {name} takes a whole number, got '{text}'.")
        return int(v)
    return v


def parse_value(name: str, text: str, f):
    """``text`` as the type of dataclass field ``f``: booleans, whole numbers, numbers, comma-separated
    pairs (``band=20,150``), ``none`` where the field allows None, words where it takes a word.

    Examples
    --------
    >>> from jerkdetect.detection import DetectionParams
    >>> parse_value("band", "20, 150", _field(DetectionParams, "band"))
    (20.0, 150.0)
    >>> parse_value("notch", "none", _field(DetectionParams, "notch")) is None
    True
    """
    default, typ, s = f.default, str(f.type), text.strip()
    if "None" in typ and s.lower() in ("none", "null", "off"):
        return None
    if isinstance(default, bool):
        words = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False,
                 "off": False}
        if s.lower() not in words:
            raise InputError(f"--param {name} takes true or false, got '{text}'.")
        return words[s.lower()]
    if isinstance(default, (int, float)):
        return _number(name, s, type(default))
    if isinstance(default, tuple):
        parts = [p.strip() for p in s.split(",") if p.strip()]
        if default and isinstance(default[0], str):
            return tuple(parts)
        if "..." in typ:  # a tuple of any length (stages=1,2,3)
            if not parts:
                raise InputError(f"--param {name} takes numbers separated by commas, got '{text}'.")
            return tuple(_number(name, p, type(default[0]) if default else float) for p in parts)
        if len(parts) != len(default):
            raise InputError(f"--param {name} takes {len(default)} numbers separated by commas "
                             f"(e.g. {name}={','.join(f'{x:g}' for x in default)}), got '{text}'.")
        return tuple(_number(name, p, type(default[0])) for p in parts)
    if isinstance(default, str) and "float" in typ:
        try:
            return _number(name, s, float)
        except InputError:
            return s  # a word the field takes ("auto"); the dataclass says which
    return s


def _other_rules(rules: str) -> str:
    from ..rules import RULESETS
    return next(r for r in RULESETS if r != rules)


def route_params(pairs: list[str] | None, rules: str = "wasm2016") -> dict[str, dict]:
    """``--param NAME=VALUE`` pairs sorted into their groups, values typed.

    Examples
    --------
    >>> route_params(["onset_uv=10", "min_imi_s=15", "hypnic.min_peak_uv=40"])["detection"]
    {'onset_uv': 10.0}
    """
    table = groups(rules)
    owners: dict[str, list[str]] = {}
    for g, (_, names) in table.items():
        for n in names:
            owners.setdefault(n, []).append(g)
    out: dict[str, dict] = {g: {} for g in table}
    for p in pairs or []:
        key, eq, text = p.partition("=")
        key = key.strip()
        if not eq or not key:
            raise InputError(f"--param takes NAME=VALUE (e.g. max_imi_s=100 or detection.onset_uv=10), got '{p}'.")
        group, dot, name = key.partition(".")
        if key in owners or not dot:  # a bare name (a motor rule's ``alma.min_hz`` has a dot of its own)
            dot, name = "", key
        if dot:
            if group not in table:
                raise InputError(f"--param {key}: unknown group '{group}'; groups are (closest first) "
                                 f"{', '.join(closest_first(group, GROUP_NAMES))}.")
            if name not in table[group][1]:
                raise InputError(f"--param {key}: '{name}' is not a {group} parameter; {group} parameters "
                                 f"(closest first): {', '.join(closest_first(name, table[group][1])[:8])}.")
        else:
            found = owners.get(name, [])
            if len(found) > 1:
                raise InputError(f"--param {key}: '{name}' is a parameter of {' and '.join(found)}: write "
                                 f"{' or '.join(f'{g}.{name}' for g in found)}.")
            tails = [n for n in owners if n.endswith("." + name)]
            if not found and tails:
                raise InputError(f"--param {key}: '{name}' is a parameter of {len(tails)} motor rules: write "
                                 f"{' or '.join(tails)}.")
            if not found:
                other = _other_rules(rules)
                if name in groups(other)["rules"][1]:
                    raise InputError(f"--param {key}: '{name}' is a {other} parameter, not one of {rules} "
                                     f"(choose the rule set with --rules {other}).")
                raise InputError(f"--param: unknown parameter '{name}'; valid names (closest first): "
                                 f"{', '.join(closest_first(name, owners)[:8])} (jerkdetect params lists them all).")
            group = found[0]
        out[group][name] = parse_value(name, text, _field(table[group][0], name))
    return out


# ------------------------------------------------------------------ the catalogue (jerkdetect params)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*(\s*,\s*[a-z_][a-z0-9_]*)*(\s*:.*)?$")


def _descriptions(cls: type) -> dict[str, tuple[str, str]]:
    """name -> (description, heading it sits under) from the docstrings of ``cls`` and its bases:
    numpydoc entries (``name : type`` or ``a, b : type`` over indented text), then bullets and
    paragraphs that mention ````name````."""
    names = {f.name for f in fields(cls)}
    out: dict[str, tuple[str, str]] = {}
    docs = [inspect.cleandoc(c.__doc__ or "") for c in cls.__mro__ if c.__doc__ and c is not object]
    for doc in docs:
        lines = doc.splitlines()
        heading = ""
        i = 0
        while i < len(lines):
            line = lines[i]
            m = _IDENT.match(line)
            entry = [n.strip() for n in line.split(":")[0].split(",")] if m and not line.startswith(" ") else []
            if entry and all(n in names for n in entry):
                body = []
                i += 1
                while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
                    body.append(lines[i].strip())
                    i += 1
                text = " ".join(b for b in body if b)
                for n in entry:
                    out.setdefault(n, (text, heading))
                for n in re.findall(r"``([a-z_][a-z0-9_]*)``", text):  # named inside another's entry
                    if n in names:
                        out.setdefault(n, (text, heading))
                continue
            if line.strip() and not line.startswith((" ", "-")) and not set(line.strip()) <= {"-"}:
                heading = line.strip()
            i += 1
        blocks = re.split(r"\n\s*\n|\n(?=- )", doc)
        for block in blocks:
            if "---" in block:  # a numpydoc section: its entries were read above
                continue
            text = " ".join(block.split()).lstrip("- ")
            for n in re.findall(r"``([a-z_][a-z0-9_]*)``", block):
                if n in names:
                    out.setdefault(n, (text, ""))
    return out


_CITES = (("AASM", "AASM Manual"), ("WASM", "WASM 2016 (Ferri et al. 2016)"), ("Ferri et al. 2016", None),
          ("Ferri et al.", "Ferri et al."), ("ICSD-2", "ICSD-2"), ("ICSD-3", "ICSD-3"), ("Lins et al.", "Lins et al."),
          ("Frauscher", "Frauscher et al."), ("SINBAR", "SINBAR (Frauscher et al. 2012)"),
          ("Montreal", "Montreal (Montplaisir et al. 2010)"), ("Chervin", "Chervin et al. 2003"),
          ("Wichniak", "Wichniak et al. 2001"), ("RBDtector", "RBDtector"), ("SOMAS", "SOMAS"),
          ("PLMScoRe", "PLMScoRe"), ("MATPLM", "MATPLM"))
_OWN = re.compile(r"jerkdetect('s)? (default|own|computer-scoring|choice|reading)|jerkdetect defaults|"
                  r"not part of AASM|in the spirit of|[(;] ?jerkdetect[,)]", re.I)
CLASS_SOURCE = {"DetectionParams": "jerkdetect default", "ArousalParams": "jerkdetect default",
                "HypnicJerkRule": "jerkdetect definition (no published rule)",
                "AASM2012": "AASM Manual (2012, v2.0+)", "WASM2016": "WASM 2016 (Ferri et al. 2016)",
                "FragmentaryMyoclonusRule": "AASM Manual", "REMActivityRule": "AASM Manual",
                "AtoniaIndexRule": "Ferri et al. (REM atonia index, 2010)", "ALMARule": "AASM Manual",
                "HFTRule": "AASM Manual"}


def _cite(text: str) -> str | None:
    if _OWN.search(text):
        return "jerkdetect default"
    found = []
    for word, cite in _CITES:
        if word in text and cite and cite not in found and not (cite == "Ferri et al." and any(
                "Ferri" in f for f in found)):
            found.append(cite)
    return "; ".join(found) or None


def unit_of(name: str, default) -> str:
    """The unit of a parameter, from its name and default.

    Examples
    --------
    >>> unit_of("onset_uv", 8.0), unit_of("max_imi_s", 90.0), unit_of("band", (10.0, 100.0)), unit_of("min_series", 4)
    ('µV', 's', 'Hz', 'count')
    """
    if isinstance(default, bool):
        return "true/false"
    if name.endswith("_uv"):
        return "µV"
    if name.endswith("_s"):
        return "s"
    if name.endswith(("_hz", "_fs", "band")) or name in ("notch", "target_fs"):
        return "Hz"
    if name == "clip_log":
        return "log ratio"
    if name in ("z_on", "chin_z_on"):
        return "robust SD"
    if name in ("z_event", "chin_z_event"):
        return "standard errors"
    if name == "notch_q":
        return "Q factor"
    if name.endswith("_pct"):
        return "%"
    if isinstance(default, int):
        return "count"
    if any(w in name for w in ("ratio", "fraction", "quantile", "weight", "discount", "margin")):
        return "ratio"
    if isinstance(default, tuple) and default and isinstance(default[0], str):
        return "muscles"
    return "-"


def _text(v) -> str:
    if isinstance(v, tuple):
        return ",".join(_text(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return "none" if v is None else str(v).lower() if isinstance(v, bool) else str(v)


def _first_sentence(text: str) -> str:
    text = text.replace("``", "").lstrip(". ")
    s = re.split(r"(?<=[a-z0-9)][.])\s", text, maxsplit=1)[0].rstrip(".")
    return s if len(s) <= 140 else s[:137] + "..."


def _rule_texts(texts: list[tuple[str | None, str]]) -> str:
    """One description when every rule set (or the one class of another group) gives the same,
    otherwise each rule set's own, named, and none for a rule set whose documentation has none
    (AASM 2012's IMI is 5-90 s, WASM 2016's 10-90 s: one text for both would state the wrong range
    for one of them)."""
    found = [(label, t) for label, t in texts if t]
    if not found:
        return "-"
    if len(found) == len(texts) and len({t for _, t in found}) == 1:
        return found[0][1]
    return "; ".join(f"{label}: {t}" for label, t in found)


def catalogue() -> list[dict]:
    """One row per parameter: group, name, default (per rule set for rules), unit, source, what it is,
    the range it accepts."""
    from ..rules import RULESETS
    rows = []
    for group in GROUP_NAMES:
        classes = [RULESETS[r] for r in ("wasm2016", "aasm2012")] if group == "rules" else \
            [_classes("wasm2016")[group]]
        names: list[str] = []
        for cls in classes:
            names += [n for n in _names(cls) if n not in names]
        for n in names:
            defaults, sources, whats = [], [], []
            for cls in classes:
                if n not in _names(cls):
                    continue
                f = _field(cls, n)
                d = f.default if f.default is not MISSING else f.default_factory()
                owner, own = _owner(cls, n)
                desc, heading = _descriptions(owner).get(own, ("", ""))
                whats.append((cls().name if group == "rules" else None, _first_sentence(desc)))
                src = _cite(desc) or _cite(heading) or CLASS_SOURCE.get(owner.__name__, "jerkdetect default")
                label = cls().name if group == "rules" else None
                defaults.append((label, _text(d)))
                sources.append((label, src))
            if group == "rules":
                default = "; ".join(f"{r}: {v}" for r, v in defaults)
                src_set = {s for _, s in sources}
                source = sources[0][1] if len(src_set) == 1 else "; ".join(f"{r}: {s}" for r, s in sources)
            else:
                default, source = defaults[0][1], sources[0][1]
            f0 = _field(next(c for c in classes if n in _names(c)), n)
            what = _rule_texts(whats)
            if n.endswith("_band"):
                what = f"the {n[:-5]} band: {what}"
            owner, own = _owner(next(c for c in classes if n in _names(c)), n)
            lim = limits_of(owner).get(own)
            rows.append({"group": group, "name": n, "default": default,
                         "unit": unit_of(n, f0.default if f0.default is not MISSING else f0.default_factory()),
                         "source": source, "what": what, "range": lim.describe() if lim else "-"})
    return rows


def params_table() -> str:
    """``jerkdetect params`` output: tab-separated, a header line, one row per parameter (the last
    column: the range it accepts, as the error for a value outside it says)."""
    cols = ("group", "name", "default", "unit", "source", "what", "range")
    return "\n".join(["\t".join(cols)] + ["\t".join(r[c] for c in cols) for r in catalogue()])


def motor_setting(no_motor: bool, params: dict):
    """What ``score(motor=...)`` gets from ``--no-motor`` and the ``--param motor.*`` values:
    False, True (the published defaults) or a :class:`~jerkdetect.rules.motor_events.MotorRules`.

    Examples
    --------
    >>> motor_setting(False, {}), motor_setting(True, {})
    (True, False)
    >>> motor_setting(False, {"alma.min_hz": 0.6}).alma.min_hz
    0.6
    """
    if no_motor and params:
        raise InputError(f"--no-motor skips the motor rules, so --param {', '.join('motor.' + k for k in params)} "
                         "does not apply.")
    if no_motor:
        return False
    if not params:
        return True
    from ..rules.motor_events import MotorRules
    return MotorRules.from_flat(params)
