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


def clean_temporaries(out_dir: str) -> int:
    """Remove temporary files a killed run left behind (never trusted, never renamed)."""
    n = 0
    for f in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if f.startswith(".tmp-"):
            os.unlink(os.path.join(out_dir, f))
            n += 1
    return n
