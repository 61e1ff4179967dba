"""Channel roles: map the many real-world PSG labels to ``leg_left``, ``leg_right``, ``chin``...

The labels and patterns live in one data file, ``channel_labels.json`` beside this module
(spellings from NSRR's harmonised names, Sleep-EDF, HMC, MASS, SHHS, MESA and other NSRR cohorts,
Nihon Kohden, vendor exports and EDF+ bipolar derivations such as ``LAT1-LAT2``). A label is
normalised first (:func:`normalise_label`: case and separators), then matched against each
role's patterns in a fixed order. The file's ``labels`` list is the documented set of spellings:
the tests check that the patterns give each of them its role.
"""
from __future__ import annotations

import difflib
import json
import os
import re
from functools import lru_cache
from typing import Iterable, Mapping

from ..errors import ChannelError, InputError

_TABLE_PATH = os.path.join(os.path.dirname(__file__), "channel_labels.json")
SIDELESS_ARM = "arm"  # an arm EMG whose label gives no side: takes the first free arm role


@lru_cache(maxsize=1)
def label_table() -> dict:
    """The parsed ``channel_labels.json``: roles, match order, role words, patterns, known labels."""
    with open(_TABLE_PATH, encoding="utf-8") as f:
        table = json.load(f)
    table["compiled"] = {r: [re.compile(p) for p in pats] for r, pats in table["patterns"].items()}
    return table


ROLES: tuple[str, ...] = tuple(label_table()["roles"])
_SEPARATORS = re.compile(r"[\s_.:/\\\-+()\[\],;|]+")


def normalise_label(label: str) -> str:
    """Lower-case a label and fold separators (``_ . : / \\ - + ( ) [ ] , ; |`` and white space) to one space.

    Examples
    --------
    >>> normalise_label("EMG  L-TA"), normalise_label("Tib_L"), normalise_label("EOG(L)")
    ('emg l ta', 'tib l', 'eog l')
    """
    return _SEPARATORS.sub(" ", str(label).lower()).strip()


def _compact(text: str) -> str:
    return normalise_label(text).replace(" ", "")


def _match(label: str) -> str | None:
    """The role a label names, including ``"arm"`` for an arm whose side it does not give."""
    t = label_table()
    s = normalise_label(label)
    for role in t["match_order"]:
        if any(p.search(s) for p in t["compiled"][role]):
            return role
    return None


def role_of(label: str) -> str | None:
    """Return the role of one channel label, or None when it has none.

    Case and separators do not matter (``Tib-L``, ``TIB_L``, ``tib l``); an arm without a side
    (``FDS``) is ``arm_left`` when alone (see :func:`assign_roles`).

    Examples
    --------
    >>> role_of("EMG Tib L"), role_of("Chin1-Chin2"), role_of("EEG C4-A1"), role_of("LOC")
    ('leg_left', 'chin', 'eeg', 'eog')
    >>> role_of("LAT1-LAT2"), role_of("L-Leg"), role_of("EMG Arm R"), role_of("Temp rectal")
    ('leg_left', 'leg_left', 'arm_right', None)
    """
    r = _match(label)
    return "arm_left" if r == SIDELESS_ARM else r


def _role_scores(name: str) -> dict[str, float]:
    """How close ``name`` is to each role: the best difflib ratio against the role and its words,
    plus one per part of the role's name it contains (``leftleg`` contains 'left' and 'leg')."""
    words = label_table()["words"]
    q = _compact(name)
    out = {}
    for role in ROLES:
        cands = [role] + list(words.get(role, []))
        shared = sum(part in q for part in role.split("_"))
        out[role] = shared + max(difflib.SequenceMatcher(None, q, _compact(c)).ratio() for c in cands)
    return out


def closest_roles(name: str) -> list[str]:
    """Roles ordered by how close ``name`` is to the role or the words of its labels, the closest first.

    A name that is itself a channel label of a role (``leftleg``) puts that role first.

    Examples
    --------
    >>> closest_roles("leftleg")[:3]
    ['leg_left', 'arm_left', 'leg_right']
    """
    own = role_of(name)
    score = _role_scores(name)
    return sorted(ROLES, key=lambda r: (r != own, -score[r], ROLES.index(r)))


def likely_role(label: str, at_least: float = 0.75) -> str | None:
    """The role a label without one comes closest to, when it is close (score >= ``at_least``)."""
    score = _role_scores(label)
    best = max(ROLES, key=lambda r: (score[r], -ROLES.index(r)))
    return best if score[best] >= at_least else None


def check_role(name: str, where: str = "") -> str:
    """Return ``name`` when it is a channel role, else raise :class:`InputError` listing the roles closest first.

    Examples
    --------
    >>> check_role("leg_left")
    'leg_left'
    """
    if name in ROLES:
        return name
    prefix = f"{where}: " if where else ""
    raise InputError(f"{prefix}unknown channel role '{name}'; valid names (closest first): "
                     f"{', '.join(closest_roles(name))}.")


def closest_labels(role: str, labels: Iterable[str], given: str | None = None) -> list[str]:
    """Labels ordered by likeness to ``given`` (a label a user typed) or else to ``role``'s words."""
    labels = list(labels)
    words = [given] if given else [role] + list(label_table()["words"].get(role, []))

    def score(lab: str) -> float:
        return max(difflib.SequenceMatcher(None, _compact(lab), _compact(w)).ratio() for w in words)
    return sorted(labels, key=lambda lab: (role_of(lab) != role, -score(lab), labels.index(lab)))


def resolve_label(given: str, labels: Iterable[str], role: str, source: str = "") -> str:
    """The recording's own spelling of a label named by a user: exact, else the one label equal to it
    once case and separators are ignored (``tib-l`` is ``Tib-L``); otherwise a :class:`ChannelError`
    with the closest labels."""
    labels = list(labels)
    if given in labels:
        return given
    same = [lab for lab in labels if _compact(lab) == _compact(given)]
    if len(same) == 1:
        return same[0]
    where = f" {source}" if source else ""
    if same:
        raise ChannelError(f"Channel '{given}' given for role '{role}' matches several channels of the "
                           f"recording{where} once case and separators are ignored ({', '.join(same)}); "
                           "name one exactly.")
    if not labels:
        raise ChannelError(f"Channel '{given}' given for role '{role}' is not in the recording{where}: {NO_SIGNALS}.")
    raise ChannelError(f"Channel '{given}' given for role '{role}' is not in the recording{where}; closest "
                       f"labels: {', '.join(closest_labels(role, labels, given)[:5])}; {present(labels)}.")


def resolve_overrides(overrides: Mapping[str, str] | None, labels: Iterable[str], source: str = "") -> dict:
    """Role overrides with every role checked and every label in the recording's own spelling."""
    labels = list(labels)
    out = {}
    for role, lab in dict(overrides or {}).items():
        if role not in ROLES:
            raise ChannelError(f"Unknown channel role '{role}'; roles are (closest first) "
                               f"{', '.join(closest_roles(role))}.")
        out[role] = resolve_label(lab, labels, role, source)
    return out


def assign_roles(labels: Iterable[str], overrides: Mapping[str, str] | None = None,
                 exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Map each role to the labels that carry it, in file order.

    Parameters
    ----------
    labels : iterable of str
        Channel labels as found in the file.
    overrides : mapping role -> label, optional
        Explicit choices that win over the patterns (``{"leg_left": "EMG3"}``); case and
        separators of the label do not matter. An override that names no label of the file
        raises :class:`~jerkdetect.errors.ChannelError` listing the closest labels.
    exclude : iterable of str
        Labels that get a role only by override (repeated labels made distinct, ``'Leg L#2'``).

    Examples
    --------
    >>> assign_roles(["FDS", "Tib-L", "TIB-R", "Chin"])["arm_left"]
    ['FDS']
    """
    labels = list(labels)
    roles: dict[str, list[str]] = {r: [] for r in ROLES}
    overrides = resolve_overrides(overrides, labels)
    taken = set(overrides.values()) | set(exclude)
    sideless = []
    for lab in labels:
        if lab in taken:
            continue
        r = _match(lab)
        if r == SIDELESS_ARM:
            sideless.append(lab)
        elif r is not None:
            roles[r].append(lab)
    for lab in sideless:  # an arm without a side fills the first arm role no labelled arm holds
        free = next((r for r in ("arm_left", "arm_right") if not roles[r]), None)
        if free is not None:
            roles[free].append(lab)
    for role, lab in overrides.items():
        roles[role] = [lab] + [x for x in roles[role] if x != lab]
    return roles


def describe_labels(role: str, labels: Iterable[str]) -> str:
    """The labels closest to ``role`` first, each with its own role or the closest role it has none."""
    parts = []
    for lab in closest_labels(role, labels):
        r = role_of(lab)
        guess = None if r else likely_role(lab)
        parts.append(f"{lab} ({r})" if r else f"{lab} (no role; closest: {guess})" if guess else f"{lab} (no role)")
    return ", ".join(parts)


NO_SIGNALS = "the recording has no signal channels (it holds annotations only)"


def present(labels: Iterable[str]) -> str:
    """``channels present: A, B`` or, for a recording without signals, :data:`NO_SIGNALS`."""
    labels = list(labels)
    return f"channels present: {', '.join(labels)}" if labels else NO_SIGNALS


def missing_role_message(role: str, labels: Iterable[str], source: str) -> str:
    """One sentence for a role no channel carries: the channels closest to it first, and how to name one."""
    labels = list(labels)
    if not labels:
        return (f"{source}: no '{role}' channel: {NO_SIGNALS}; score the recording it belongs to, or the "
                "scored leg movements alone (leg_movements='scoring', or --from-scoring).")
    return (f"{source}: no channel found for role '{role}'; channels present, closest first: "
            f"{describe_labels(role, labels) or 'none'} (name one with channels={{'{role}': 'LABEL'}} or "
            f"--channel {role}=LABEL).")


def require_role(roles: Mapping[str, list[str]], role: str, labels: Iterable[str], source: str) -> str:
    """Return the label for ``role`` or raise a ChannelError listing the channels closest to it first."""
    found = roles.get(role) or []
    if not found:
        raise ChannelError(missing_role_message(role, labels, source))
    return found[0]
