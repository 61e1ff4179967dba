"""Reporting: plots, figures and self-contained HTML reports of nights and cohorts (matplotlib)."""
