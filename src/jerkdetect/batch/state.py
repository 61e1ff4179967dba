"""What makes a night's outputs complete: fingerprints of the inputs and the parameters."""
from __future__ import annotations

import hashlib
import json
import os

FINGERPRINT_BYTES = 1 << 20


def file_fingerprint(path: str | None) -> str | None:
    """SHA-256 of the size, the first and the last MiB of a file (fast on 200-MB EDFs).

    A change that keeps the size and touches only the middle of a recording is not seen: use
    ``--force`` after editing recordings in place.
    """
    if not path:
        return None
    h = hashlib.sha256()
    size = os.path.getsize(path)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            h.update(f.read())
    return h.hexdigest()


def params_hash(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def outputs_complete(summary_path: str, events_path: str, p_hash: str, in_hash: str) -> bool:
    """True when both files exist and the summary (written last) records the same hashes."""
    if not (os.path.isfile(summary_path) and os.path.isfile(events_path)):
        return False
    try:
        with open(summary_path) as f:
            s = json.load(f)
    except (OSError, ValueError):
        return False
    b = s.get("batch", {})
    return b.get("params_hash") == p_hash and b.get("input_hash") == in_hash


def clean_temporaries(out_dir: str, max_age_s: float = 86400.0) -> int:
    """Remove temporary files that killed runs left behind (never trusted, never renamed).

    A temporary is named ``.tmp-<host>-<pid>-...`` (:func:`jerkdetect.core.atomic.temp_prefix`): it is
    removed only when that process is gone on this host, or, written on another host, when it
    is older than ``max_age_s``; a live run's in-flight temporary is never touched.
    """
    import re
    import time
    from ..core.atomic import temp_prefix
    host = temp_prefix().split("-")[1]
    n = 0
    for f in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if not f.startswith(".tmp-"):
            continue
        p = os.path.join(out_dir, f)
        m = re.match(r"\.tmp-([0-9a-f]{4})-(\d+)-", f)
        try:
            if m and m.group(1) == host:
                if _alive(int(m.group(2))):
                    continue
            elif time.time() - os.path.getmtime(p) < max_age_s:
                continue
            os.unlink(p)
            n += 1
        except FileNotFoundError:  # its owner renamed or removed it meanwhile
            continue
    return n


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
