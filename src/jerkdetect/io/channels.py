"""Channel roles: map the many real-world PSG labels to ``leg_left``, ``leg_right``, ``chin``...

The patterns follow spellings seen in AASM-style montages, Sleep-EDF, SHHS/NSRR, MESA, HMC
and clinical exports (Compumedics, Nihon Kohden, Embla).
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from ..errors import ChannelError

ROLES = ("leg_left", "leg_right", "chin", "eeg", "eog", "ecg", "resp", "spo2", "arm_left", "arm_right")

# Order matters: the first role whose pattern matches wins. Patterns see a normalised label:
# lower case, "EEG "/"EMG " prefixes kept, separators folded to single spaces.
_PATTERNS: dict[str, list[str]] = {
    "leg_left": [
        r"\blat\b", r"\bl ?leg\b", r"\bleft leg\b", r"\bleg (l|left)\b", r"\blleg\d?\b",
        r"\btib(ialis)?( ant(erior)?)? ?l(eft)?\b", r"\bl tib", r"\bplm ?l\b", r"\blegs? ?1\b",
        r"\bemg ?l ?leg", r"\bleg ?l\d?\b", r"\blt ?leg\b", r"\bleg ?lt\b", r"\bl ?at\b",
    ],
    "leg_right": [
        r"\brat\b", r"\br ?leg\b", r"\bright leg\b", r"\bleg (r|right)\b", r"\brleg\d?\b",
        r"\btib(ialis)?( ant(erior)?)? ?r(ight)?\b", r"\br tib", r"\bplm ?r\b", r"\blegs? ?2\b",
        r"\bemg ?r ?leg", r"\bleg ?r\d?\b", r"\brt ?leg\b", r"\bleg ?rt\b", r"\br ?at\b",
    ],
    "chin": [r"\bchin", r"submental", r"\bment", r"^emg( \d)?$", r"^emg ?\d? ?- ?emg ?\d?$",
             r"\bemg ?(chin|sub)", r"^semg$"],
    # flexor digitorum superficialis (SINBAR montage) and other arm EMG
    "arm_left": [r"\b(l|left|lt)[ -]?(arm|fds)\b", r"\b(arm|fds)[ -]?(l|left|lt)\d?\b",
                 r"\bflex(or)?( dig(itorum)?)?( sup(erficialis)?)?[ -]?(l|left)\b"],
    "arm_right": [r"\b(r|right|rt)[ -]?(arm|fds)\b", r"\b(arm|fds)[ -]?(r|right|rt)\d?\b",
                  r"\bflex(or)?( dig(itorum)?)?( sup(erficialis)?)?[ -]?(r|right)\b"],
    "eog": [r"\beog\b", r"\bloc\b", r"\broc\b", r"^e ?[12]\b", r"\be[12] ?[- ]", r"\bhoriz",
            r"\beye\b"],
    "ecg": [r"\becg", r"\bekg", r"\bheart\b(?! ?rate)"],
    "spo2": [r"spo ?2", r"sao ?2", r"\bsat\b", r"\bpleth"],
    "resp": [r"\bthor", r"\babdo?", r"\bairflow", r"\bflow\b", r"\bnasal", r"\bresp", r"\bcannula",
             r"\bpress"],
    "eeg": [r"\beeg\b", r"^(f|c|o|p|t|fp|fpz|pz|cz|fz|oz)\d?z? ?- ?(m|a|fpz|cz|pz|oz)\d?z?$",
            r"^(f|c|o|fp|p|t)[z\d]+$", r"^(f|c|o)\d ?(m|a)\d$"],
}
_COMPILED = {role: [re.compile(p) for p in pats] for role, pats in _PATTERNS.items()}


def normalise_label(label: str) -> str:
    """Lower-case a label and fold separators (``_``, ``.``, ``:``) to spaces."""
    s = label.strip().lower()
    s = re.sub(r"[_.:/]+", " ", s)
    s = re.sub(r"\s+", " ", s)
    return s


def role_of(label: str) -> str | None:
    """Return the role of one channel label, or None when it has none.

    Examples
    --------
    >>> role_of("EMG Tib L"), role_of("Chin1-Chin2"), role_of("EEG C4-A1"), role_of("LOC")
    ('leg_left', 'chin', 'eeg', 'eog')
    >>> role_of("EMG Arm L"), role_of("FDS-R"), role_of("Flexor digitorum superficialis left")
    ('arm_left', 'arm_right', 'arm_left')
    """
    s = normalise_label(label)
    for role in ("leg_left", "leg_right", "chin", "arm_left", "arm_right", "ecg", "spo2", "eog", "resp", "eeg"):
        if any(p.search(s) for p in _COMPILED[role]):
            return role
    return None


def assign_roles(labels: Iterable[str], overrides: Mapping[str, str] | None = None,
                 exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Map each role to the labels that carry it, in file order.

    Parameters
    ----------
    labels : iterable of str
        Channel labels as found in the file.
    overrides : mapping role -> label, optional
        Explicit choices that win over the patterns (``{"leg_left": "EMG3"}``). An override that
        names a label not in the file raises :class:`~jerkdetect.errors.ChannelError`.
    exclude : iterable of str
        Labels that get a role only by override (repeated labels made distinct, ``'Leg L#2'``).
    """
    labels = list(labels)
    roles: dict[str, list[str]] = {r: [] for r in ROLES}
    overrides = dict(overrides or {})
    for role, lab in overrides.items():
        if role not in ROLES:
            raise ChannelError(f"Unknown channel role '{role}'; roles are {', '.join(ROLES)}.")
        if lab not in labels:
            raise ChannelError(f"Channel '{lab}' given for role '{role}' is not in the recording; "
                               f"channels present: {', '.join(labels)}.")
    taken = set(overrides.values()) | set(exclude)
    for lab in labels:
        if lab in taken:
            continue
        r = role_of(lab)
        if r is not None:
            roles[r].append(lab)
    for role, lab in overrides.items():
        roles[role] = [lab] + [x for x in roles[role] if x != lab]
    return roles


def require_role(roles: Mapping[str, list[str]], role: str, labels: Iterable[str], source: str) -> str:
    """Return the label for ``role`` or raise a ChannelError listing the channels that are there."""
    found = roles.get(role) or []
    if not found:
        raise ChannelError(
            f"{source}: no channel found for role '{role}'; channels present: {', '.join(labels)} "
            f"(name one with channels={{'{role}': 'LABEL'}} or --channel {role}=LABEL).")
    return found[0]
