"""Reading uploads in routes: one size limit (`refaire.limits`), and forms read only
after the caller is known to be allowed.

A route declaring `File(...)` parameters has its whole multipart body parsed (and large
files spooled to disk) before any dependency runs, including the permission check.
Routes that write take the `Request` instead, check permission first, then call
`form_files`; `multipart_body` keeps their request body documented in OpenAPI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

from refaire import limits
from refaire.jobs import JobsBusy

RETRY_AFTER_S = 30


def too_large(name: str) -> str:
    return f"{name}: over the {limits.max_upload_bytes() // 2**20} MB limit for one file"


async def read_upload(upload: UploadFile) -> tuple[str, bytes]:
    """The upload's name and bytes; 413 past the limit, without reading the rest."""
    name = upload.filename or "upload"
    cap = limits.max_upload_bytes()
    data = await upload.read(cap + 1)
    if len(data) > cap:
        raise HTTPException(413, too_large(name))
    return name, data


async def form_files(
    request: Request, field: str = "files", max_files: int = 20
) -> list[tuple[str, bytes]]:
    """The named file fields of a multipart body, read once permission was checked; each
    file's bytes stop one past the upload limit."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise HTTPException(400, "send the files as multipart/form-data")
    try:
        form = await request.form(max_files=max_files, max_fields=100)
    except HTTPException:
        raise
    except Exception as exc:  # Starlette's MultiPartException: a malformed body
        raise HTTPException(400, f"malformed multipart body: {exc}") from None
    files = []
    cap = limits.max_upload_bytes()
    for item in form.getlist(field):
        if isinstance(item, UploadFile):
            # One byte over the limit is enough for the caller to say the file is too large.
            files.append((item.filename or "upload", await item.read(cap + 1)))
    if not files:
        raise HTTPException(400, f"no file in the {field!r} field")
    return files


@contextmanager
def busy_as_503() -> Iterator[None]:
    """JobsBusy (every measuring worker taken, the queue full) as a 503 to retry later."""
    try:
        yield
    except JobsBusy as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": str(RETRY_AFTER_S)}) from None


def multipart_body(field: str = "files", description: str = "") -> dict[str, Any]:
    """`openapi_extra` documenting a multipart body of files read inside the route."""
    schema = {
        "type": "object",
        "required": [field],
        "properties": {
            field: {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": description,
            }
        },
    }
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }
