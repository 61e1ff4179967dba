"""Write a simulated night's scoring as a Compumedics Profusion XML with scored limb movements."""
from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np

_STAGE_CODE = {0: 0, 1: 1, 2: 2, 3: 3, 4: 5, -1: 9}  # Profusion: R is 5, unsure 9
_RESP_NAME = {"obstructive apnea": "Obstructive Apnea", "central apnea": "Central Apnea",
              "mixed apnea": "Mixed Apnea", "hypopnea": "Hypopnea", "rera": "RERA"}
_LEG_INPUT = {"left": "Leg L", "right": "Leg R"}


def profusion_events(truth: dict) -> list[tuple[float, float, str, str]]:
    """(start, duration, Name, Input) of a truth's arousals, respiratory events and limb movements.

    Leg movements the simulator made as part of a PLM series are named ``PLM (Left)`` /
    ``PLM (Right)``, the others ``Limb Movement (Left)`` / ``(Right)``, as Profusion exports do.
    """
    ev = [(float(a), float(d), "Arousal ()", "EEG") for a, d in truth["arousals"]]
    ev += [(float(a), float(d), _RESP_NAME.get(k.lower(), k), "Airflow") for a, d, k in truth["respiratory"]]
    for lm in truth["leg_movements"]:
        kind = "PLM" if lm.get("kind") == "plm" else "Limb Movement"
        ev.append((float(lm["onset"]), float(lm["offset"] - lm["onset"]),
                   f"{kind} ({lm['side'].title()})", _LEG_INPUT[lm["side"]]))
    return sorted(ev)


def write_profusion_xml(path: str, stages, truth: dict, epoch_length: float = 30.0) -> str:
    """Write ``CMPStudyConfig`` XML: epoch length, event settings, scored events, one stage per epoch.

    Examples
    --------
    >>> import json, tempfile, os, jerkdetect as jd
    >>> truth = json.load(open(jd.sample_path("truth")))
    >>> stages = jd.read_scoring(jd.sample_path("scoring")).hypnogram.stages
    >>> p = write_profusion_xml(os.path.join(tempfile.mkdtemp(), "n.xml"), stages, truth)
    >>> len(jd.read_scoring(p).leg_movements) == len(truth["leg_movements"])
    True
    """
    events = profusion_events(truth)
    fmt = lambda x: repr(round(x, 4))  # noqa: E731 - the truth's own precision
    names = sorted({(n, i) for _, _, n, i in events})
    rows = ['<?xml version="1.0" encoding="utf-8"?>', "<CMPStudyConfig>",
            f"<EpochLength>{epoch_length:g}</EpochLength>", "<ScoredEventSettings>"]
    rows += [f"<ScoredEventSetting><Name>{escape(n)}</Name><Input>{escape(i)}</Input></ScoredEventSetting>"
             for n, i in names]
    rows += ["</ScoredEventSettings>", "<ScoredEvents>"]
    rows += [f"<ScoredEvent><Name>{escape(n)}</Name><Start>{fmt(o)}</Start><Duration>{fmt(d)}</Duration>"
             f"<Input>{escape(i)}</Input></ScoredEvent>" for o, d, n, i in events]
    rows += ["</ScoredEvents>", "<SleepStages>"]
    rows += [f"<SleepStage>{_STAGE_CODE[int(s)]}</SleepStage>" for s in np.asarray(stages)]
    rows += ["</SleepStages>", "</CMPStudyConfig>"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    return path
