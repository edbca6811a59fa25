"""Errors a user can fix. ``str(e)`` is shown as-is on one line, followed by the exit code.

Exit codes (all commands; the README's table): 0 success, 1 nothing found (search, show) or some
files skipped (index, extract), 2 usage, query or value error, or a damaged index, 70 an index
run's worker or Dask partition failed (EngineFailed), 74 I/O error writing the index, 75 index
busy, 130 interrupted (Ctrl-C; set by the CLI, not an error class).
"""

from __future__ import annotations


class SearchlibError(Exception):
    """Something the user can fix; the message says what to do next."""

    exit_code = 2


class BadValue(SearchlibError):
    """A filter, date or option value that is not understood."""


class BadDate(BadValue):
    """A date that is not YYYY, YYYY-MM or YYYY-MM-DD (or an inverted range)."""


class UnknownFacetValue(BadValue):
    """A --group/--country/--official value that no alias table or index knows.

    Attributes:
        facet: the facet's name ("" when not known), value: the value as typed,
        hints: the known values closest to it (the "Did you mean" of the message).
    """

    def __init__(self, message: str, facet: str = "", value: str = "", hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.facet, self.value, self.hints = facet, value, tuple(hints)


class RemovalRefused(BadValue):
    """A run that would remove a large share of the archive, not confirmed (``--prune``)."""


class BadQuery(SearchlibError):
    """A query the parser cannot read (unbalanced quotes, unknown field, ...)."""


class IndexNotFound(SearchlibError):
    """No index at the given place."""


class IndexCorrupt(SearchlibError):
    """An index that cannot be opened or read: a damaged file (named), or a CURRENT pointer or
    manifest that cannot be read. The message gives the way out (searchlib index --rebuild)."""


class IndexIOError(SearchlibError):
    """Disk full, a read-only folder or another I/O failure while writing; the index keeps its
    previous state."""

    exit_code = 74


class IndexLocked(SearchlibError):
    """Another process is writing the index; retry later (EX_TEMPFAIL)."""

    exit_code = 75


class EngineFailed(SearchlibError):
    """A worker of the derive engine died or failed; the run changed nothing (EX_SOFTWARE)."""

    exit_code = 70
