"""Failures named: one short, stable reason string per kind of download error.

The reason is what a `captures` row keeps (`timeout`, `dns`, `connection refused`,
`connection reset`, `truncated`, `maxsize`, ...), followed by the error's own message.
"""

from __future__ import annotations

from twisted.internet import error as net_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

_KINDS: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((net_error.TimeoutError, net_error.TCPTimedOutError), "timeout"),
    ((net_error.DNSLookupError,), "dns"),
    ((net_error.ConnectionRefusedError,), "connection refused"),
    ((net_error.ConnectionLost, net_error.ConnectionDone), "connection reset"),
]


# Scrapy >= 2.14 wraps transport errors in its own exceptions.
_SCRAPY_KINDS = {"DownloadTimeoutError": "timeout", "CannotResolveHostError": "dns",
                 "DownloadConnectionRefusedError": "connection refused", "ResponseDataLossError": "truncated",
                 "DownloadCancelledError": "maxsize"}


def failure_reason(exception: BaseException) -> str:
    """`kind: detail` for a download exception."""
    detail = str(exception).strip() or type(exception).__name__
    name = type(exception).__name__
    if name in _SCRAPY_KINDS:
        return f"{_SCRAPY_KINDS[name]}: {detail}"
    if name == "DownloadFailedError" and ("ConnectionLost" in detail or "ConnectionDone" in detail
                                          or "reset" in detail.lower()):
        return f"connection reset: {detail}"
    if "larger than download max size" in detail:
        return f"maxsize: {detail}"
    if name == "_DataLoss" or "DataLoss" in detail or "data loss" in detail.lower():
        return f"truncated: {detail}"
    if isinstance(exception, (ResponseFailed, ResponseNeverReceived)):
        inner = [getattr(r, "value", r) for r in getattr(exception, "reasons", [])]
        for value in inner:
            if type(value).__name__ == "_DataLoss" or "DataLoss" in str(value):
                return f"truncated: {value}"
        for value in inner:
            if isinstance(value, BaseException):
                kind = _kind_of(value)
                if kind:
                    return f"{kind}: {value}"
        return f"connection reset: {detail}"
    if "maxsize" in detail.lower() or "max size" in detail.lower() or "larger than download max size" in detail:
        return f"maxsize: {detail}"
    if name == "CancelledError":
        return f"maxsize: {detail}"
    kind = _kind_of(exception)
    if kind:
        return f"{kind}: {detail}"
    return f"error: {name}: {detail}"


def _kind_of(exception: BaseException) -> str | None:
    for types, kind in _KINDS:
        if isinstance(exception, types):
            return kind
    return None
