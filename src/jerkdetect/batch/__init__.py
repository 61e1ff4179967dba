"""Batch scoring: many nights on a local process pool or a Dask cluster, resumable, atomic."""
from .inputs import Job, collect_jobs, read_manifest
from .runner import score_many

__all__ = ["Job", "collect_jobs", "read_manifest", "score_many"]
