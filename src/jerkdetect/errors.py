"""Errors a researcher can act on: each message is one sentence naming the file and the problem."""


class JerkdetectError(Exception):
    """Base class of every expected failure (bad file, missing channel, mismatched scoring)."""


class RecordingError(JerkdetectError):
    """A recording cannot be read (not EDF/BDF, truncated, zero data records...)."""


class ChannelError(JerkdetectError):
    """A channel role the caller needs is missing or ambiguous."""


class ScoringFileError(JerkdetectError):
    """A scoring/annotation file cannot be read or does not match the recording."""


class InputError(JerkdetectError, ValueError):
    """A bad argument: unknown parameter or label name, impossible sampling rate, bad manifest cell."""


class DependencyError(JerkdetectError, ImportError):
    """An optional dependency a feature needs is not installed (the message names the extra)."""


class OutputError(JerkdetectError, OSError):
    """An output file cannot be written (disk full, no permission): the message names the file
    the user asked for (never a temporary) and the cause; ``errno`` is the system's."""

    def __str__(self) -> str:  # the sentence alone (OSError would prefix "[Errno N]" once errno is set)
        return str(self.args[0]) if self.args else ""
