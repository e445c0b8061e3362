"""Transient failures retry; every other failure fails the step at once.

A lock held by another process (a second run, an analyst's DuckDB shell, the scoring service reading
the online store) or a dropped connection goes away by itself: the step is retried after a pause. A
broken contract, a failed test or a bug would fail the same way again, so those are not retried.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

RETRIES = 3
PAUSE_SECONDS = 5.0
# Words in the message of an exception that mean "try again later", by exception type.
_TRANSIENT = {
    duckdb.IOException: ("lock",),
    sqlite3.OperationalError: ("locked", "busy"),
    ConnectionError: ("",),
    TimeoutError: ("",),
}


def is_transient(error: BaseException) -> bool:
    message = str(error).lower()
    return any(isinstance(error, kind) and any(w in message for w in words) for kind, words in _TRANSIENT.items())


@contextmanager
def retry_when_transient(retries: int = RETRIES, pause: float = PAUSE_SECONDS) -> Iterator[None]:
    """Inside an asset: a transient error asks Dagster to run the step again (up to `retries` times)."""
    try:
        yield
    except Exception as error:
        if not is_transient(error):
            raise
        raise dg.RetryRequested(max_retries=retries, seconds_to_wait=pause) from error
