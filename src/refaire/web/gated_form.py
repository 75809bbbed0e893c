"""A multipart form read only as far as the sender is allowed: the permission check runs
on the fields that precede the first file, before a byte of that file is stored.

Why: `await request.form()` spools every file to disk before the route sees the token,
so anyone could make the server write uploads. Forms that write put their CSRF field
first (browsers send fields in document order); a file arriving before a passing check
ends the parse. `people.csrf.verify_csrf` reads every multipart page form this way, with
the route's `upload_gate` (who may upload at all) checked at the same moment. Built on Starlette's own parser: only the moment a file part begins is
intercepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartParser, parse_options_header
from starlette.requests import Request

from refaire import limits


class NotAllowed(Exception):
    """The gate refused the fields sent before the first file; `reason` says why."""

    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


Gate = Callable[[dict[str, str]], None]


class _GatedParser(MultiPartParser):
    def __init__(self, request: Request, gate: Gate, max_files: int) -> None:
        super().__init__(request.headers, request.stream(), max_files=max_files, max_fields=50)
        self.gate = gate
        self.passed = False

    def check(self) -> None:
        if not self.passed:
            fields = {k: v for k, v in self.items if isinstance(v, str)}
            self.gate(fields)  # raises NotAllowed
            self.passed = True

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        if b"filename" in options:
            self.check()  # before the parent opens a temporary file for it
        super().on_headers_finished()


async def gated_form(request: Request, gate: Gate, max_files: int = 20) -> FormData:
    """The form, after `gate(fields before the first file)` passed; raises NotAllowed
    from the gate, ValueError for a body that is not multipart."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValueError("the form must be sent as multipart/form-data")
    parser = _GatedParser(request, gate, max_files)
    form = await parser.parse()
    parser.check()  # a form without files is checked too
    return form


UploadGate = Callable[[Request], None]


def upload_gate(check: UploadGate) -> Callable[[Any], Any]:
    """Mark a page route whose multipart body is read only once `check(request)` passed
    (it raises HTTPException otherwise); the CSRF check of every form applies it."""

    def mark(endpoint: Any) -> Any:
        endpoint.upload_gate = check
        return endpoint

    return mark


def route_gate(request: Request) -> UploadGate | None:
    route = request.scope.get("route")
    return getattr(getattr(route, "endpoint", None), "upload_gate", None)


def upload_cap() -> int:
    """Bytes to read from one file: the limit and one more, to tell that it is over."""
    return limits.max_upload_bytes() + 1
