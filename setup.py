"""Package layout only (metadata is in pyproject.toml): src/ packages plus the sample night.

``sample_data/`` stays at the repository root (the README's first command scores
``sample_data/sample_night.edf``) and is installed as the package ``jerkdetect._sample``.
"""
from setuptools import find_namespace_packages, setup

setup(
    packages=find_namespace_packages("src", include=["jerkdetect*"], exclude=["*.__pycache__"])
    + ["jerkdetect._sample"],
    package_dir={"": "src", "jerkdetect._sample": "sample_data"},
    # channel_labels.json: the table of channel labels and role patterns (jerkdetect.io.channels)
    package_data={"jerkdetect._sample": ["*.edf", "*.xml", "*.json"], "jerkdetect.io": ["channel_labels.json"]},
)
