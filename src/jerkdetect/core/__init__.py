"""Core: the types and arithmetic every layer shares (hypnogram, epochs, intervals, names, files).

Nothing here imports another jerkdetect package except :mod:`jerkdetect.errors`.
"""
