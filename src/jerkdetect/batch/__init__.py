"""Batch runs: many nights on a local process pool or a Dask cluster, resumable, atomic.

:func:`score_many` scores a cohort; :func:`agree` compares its EMG scoring with the technicians'.
"""
from .agree import agree
from .agree_results import AgreementResults
from .inputs import Job, collect_jobs, read_manifest
from .runner import score_many

__all__ = ["AgreementResults", "Job", "agree", "collect_jobs", "read_manifest", "score_many"]
