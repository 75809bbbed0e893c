"""What an order attachment is, from its bytes: accepted types, and refusals that say why.

PDF, PNG, JPEG, binary or ASCII STL, and plain UTF-8 text are accepted; anything else
(HTML, SVG with its scripts, executables, archives) is refused. `attachment_type` is pure
and CPU-bound: the server calls it in a worker process (`jobs.run_job`), never in the event
loop, so this module imports nothing heavy (a worker starts fast).
"""

from __future__ import annotations

import struct

from refaire.said import Said

REFUSED_MAGIC = {
    b"MZ": "a Windows executable",
    b"\x7fELF": "an executable",
    b"#!": "a script",
    b"PK\x03\x04": "an archive (send the files themselves)",
    b"\xca\xfe\xba\xbe": "an executable",
}


def attachment_type(name: str, data: bytes) -> str:
    """The MIME type of an acceptable attachment, from its bytes; ValueError saying why not."""
    if not data:
        raise ValueError(Said("prod.err.file_empty", name=name))
    head = data[:512]
    for magic, what in REFUSED_MAGIC.items():
        if head.startswith(magic):
            raise ValueError(Said("prod.err.file_refused", name=name, what=what))
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 84:
        (n,) = struct.unpack_from("<I", data, 80)
        if len(data) == 84 + 50 * n and n > 0:
            return "model/stl"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(Said("prod.err.file_kind", name=name)) from None
    lowered = text[:4096].lower()
    if "\x00" in text or any(t in lowered for t in ("<script", "<html", "<svg", "<!doctype",
                                                    "<?xml", "javascript:")):  # fmt: skip
        raise ValueError(Said("prod.err.file_markup", name=name))
    if lowered.lstrip().startswith("solid"):
        return "model/stl"
    return "text/plain"


