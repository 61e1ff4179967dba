"""The sleep-stage vocabulary: every stage label jerkdetect reads, and what it refuses.

Stage codes: W=0, N1=1, N2=2, N3=3, R=4, unscored=-1 (AASM Manual v2.6: W, N1, N2, N3, R; R&K
stages 3 and 4 are N3 together). Labels are matched case-insensitively, after dropping an NSRR
``|code`` suffix, with or without a ``Sleep stage`` / ``Stage`` / ``sleep_stage_`` prefix or a
`` sleep`` suffix. Where each label comes from:

* NSRR XML (``EventConcept`` of ``Stages|Stages`` events, nsrr.org/nsrr-xml): ``Wake|0``,
  ``Stage 1 sleep|1`` ... ``Stage 4 sleep|4``, ``REM sleep|5``, ``Movement|6``, ``Unscored|9``.
* Compumedics Profusion XML (``<SleepStage>`` codes, as in the NSRR tutorial file
  ``learn-nsrr01.xml``): 0 W, 1-3 N1-N3, 4 (R&K stage 4) N3, 5 REM; NSRR's codes for the same
  scorings add 6 movement and 9 unscored (see :data:`PROFUSION_CODES`).
* Sleep-EDF (``SC4001EC-Hypnogram.edf``, R&K): ``Sleep stage W/1/2/3/4/R/?``, ``Movement time``.
* HMC (``SN001_sleepscoring.edf``, AASM): ``Sleep stage W/N1/N2/N3/R``.
* Embla RemLogic event types: ``SLEEP-S0`` ... ``SLEEP-S4``, ``SLEEP-REM``, ``SLEEP-MT``,
  ``SLEEP-UNSCORED``.
* YASA (``yasa.Hypnogram`` labels): ``WAKE``, ``N1``, ``N2``, ``N3``, ``REM``, ``ART``, ``UNS``.
* Luna / NSRR tools: ``NREM1`` ... ``NREM4``, ``?``, ``L`` (lights), and ``N1``/``R``/``W``.
* Reports and wearable exports: ``Deep sleep``, ``Slow wave sleep`` / ``SWS`` (N3: AASM
  Manual, N3 "represents slow wave sleep", R&K's deep sleep).

Unscored (neither sleep nor wake, stated with a count where read): ``?``, ``Unscored``,
NSRR code 9 (``Stage 9 sleep``), movement time (``MT``, ``Movement``, ``Movement|6``),
artefact, YASA's ``UNS``/``ART``/-1/-2, Luna's ``L``.

Refused (an error naming the labels and their counts, never skipped): anything else that is
given as a stage, notably ``Light sleep`` and ``NREM`` (N1 or N2, or any NREM stage: no AASM
stage can be chosen) and empty labels.
"""
from __future__ import annotations

import collections
import re

UNSCORED = -1

# label -> code, without prefix/suffix; the module docstring says where each comes from
STAGE_WORDS: dict[str, int] = {
    # wake
    "w": 0, "wake": 0, "awake": 0, "0": 0, "s0": 0, "wake stage": 0,
    # N1
    "1": 1, "n1": 1, "s1": 1, "nrem1": 1, "nrem 1": 1,
    # N2
    "2": 2, "n2": 2, "s2": 2, "nrem2": 2, "nrem 2": 2,
    # N3 (R&K stages 3 and 4, slow wave / deep sleep)
    "3": 3, "4": 3, "n3": 3, "n4": 3, "s3": 3, "s4": 3, "nrem3": 3, "nrem 3": 3, "nrem4": 3, "nrem 4": 3,
    "deep": 3, "deep sleep": 3, "slow wave sleep": 3, "slow-wave sleep": 3, "sws": 3,
    # REM
    "r": 4, "rem": 4, "5": 4, "rem sleep": 4,
}

# labels of epochs scored as neither sleep nor wake (counted and stated where read)
UNSCORED_WORDS = frozenset({
    "?", "unscored", "u", "uns", "unsure", "9", "-1", "-2",
    "mt", "m", "movement", "movement time", "6",
    "artefact", "artifact", "art",
    "l",  # Luna: lights
})

PREFIXES = ("sleep stage ", "sleep_stage_", "sleep-", "stage ")

# a label given as a stage, known or not (``Sleep stage X``, ``Stage X [sleep]``, Embla ``SLEEP-X``)
_STAGE_LIKE = re.compile(r"^(sleep[ _]stage\b|stage\s+\S{1,3}(\s+sleep)?$|sleep-(s\d|rem|mt|unscored)\b)")

# Compumedics Profusion <SleepStage> codes (NSRR's stage codes for the same scorings)
PROFUSION_CODES = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: UNSCORED, 9: UNSCORED}


def _bare(text: str) -> str:
    s = str(text).strip().lower()
    if "|" in s:  # NSRR concept "Stage 2 sleep|2"
        s = s.split("|")[0].strip()
    return s


def _lookup(s: str) -> int | None:
    if s in STAGE_WORDS:
        return STAGE_WORDS[s]
    if s in UNSCORED_WORDS:
        return UNSCORED
    if s.endswith(" sleep") and s[:-6].strip() in STAGE_WORDS:
        return STAGE_WORDS[s[:-6].strip()]
    if s.endswith(" sleep") and s[:-6].strip() in UNSCORED_WORDS:
        return UNSCORED
    return None


def parse_stage(text: str) -> int | None:
    """Map a stage label (``'Sleep stage 3'``, ``'Stage 2 sleep|2'``, ``'N1'``, ``'REM'``...) to a code.

    R&K stages 3 and 4 become N3; movement time, '?', NSRR's 9 and artefact become unscored
    (-1). Returns None when the text is not a stage of the vocabulary (module docstring).

    Examples
    --------
    >>> [parse_stage(t) for t in ("Deep Sleep", "Stage 9 sleep|9", "SLEEP-REM", "Arousal")]
    [3, -1, 4, None]
    """
    s = _bare(text)
    code = _lookup(s)
    if code is not None:
        return code
    for prefix in PREFIXES:
        if s.startswith(prefix):
            rest = s[len(prefix):].strip()
            if rest.removesuffix(" sleep") in ("5", "6"):  # NSRR's REM/movement codes are no R&K "stage 5/6"
                return None
            code = _lookup(rest)
            if code is not None:
                return code
    return None


def looks_like_stage(text: str) -> bool:
    """True for a label given as a sleep stage (``Sleep stage ...``, ``Stage ...``, ``SLEEP-...``),
    known or not: an unknown one must be refused, not skipped.

    Examples
    --------
    >>> [looks_like_stage(t) for t in ("Sleep stage Deep", "Stage 9 sleep", "Stage change", "Arousal")]
    [True, True, False, False]
    """
    return bool(_STAGE_LIKE.match(_bare(text)))


def unknown_stages_message(where: str, unknown: collections.Counter, total: int) -> str:
    """One sentence naming the unknown stage labels of a file and how often each occurs."""
    names = ", ".join(f"'{k}' x{v}" for k, v in unknown.most_common(8))
    more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
    return (f"{where}: {sum(unknown.values())} of {total} sleep-stage labels are not stages jerkdetect knows "
            f"({names}{more}); the stages are W, N1, N2, N3 (or R&K 3/4), R, and unscored ('?', 'Unscored', "
            "movement time); rename them (the README lists every label read).")


def unscored_note(labels: collections.Counter) -> str | None:
    """The stated count of epochs scored as unscored or movement time, or None when there are none."""
    if not labels:
        return None
    names = ", ".join(f"'{k}' x{v}" for k, v in labels.most_common(5))
    return (f"{sum(labels.values())} epochs are scored as unscored, artefact or movement time ({names}); "
            "they count as neither sleep nor wake")


def stage_codes(labels, where: str) -> tuple[list[int], collections.Counter]:
    """Codes of one stage label per epoch, and the unscored labels counted.

    Raises ValueError (the message from :func:`unknown_stages_message`) when a label is unknown.
    """
    codes, unknown, unscored = [], collections.Counter(), collections.Counter()
    for lab in labels:
        c = parse_stage(str(lab))
        if c is None:
            unknown[str(lab).strip()] += 1
            continue
        if c == UNSCORED:
            unscored[str(lab).strip()] += 1
        codes.append(c)
    if unknown:
        raise ValueError(unknown_stages_message(where, unknown, len(codes) + sum(unknown.values())))
    return codes, unscored
