"""A small picture of a mesh: an isometric, flat-shaded PNG drawn from its triangles.

Meshes are not kept after they are measured (only their measures are), so the picture is
drawn at the same moment, from the same triangles: at import (`ingest.part_geometry`) and
in the worker process that measures an upload (`geometry.upload.measure_mesh_upload`),
never in a request. It is stored with the part as base64 PNG (a few kB) and served by
`/api/designs/{id}/thumbnail.png`.

Drawing: a painter's algorithm (far triangles first) with Pillow, at twice the size and
then reduced, which smooths the edges; a mesh of many triangles is drawn from the ones
that cover the most of the picture, as the tiny ones would not show.
"""

from __future__ import annotations

import base64
import io

import numpy as np

SIZE = 160
MAX_DRAWN = 40_000
BACKGROUND = (244, 244, 239)
COLOUR = np.array([59, 122, 140], dtype=float)  # the site's teal
# Isometric view: turn 45° about the vertical (z, as in STL files), then tilt 35.26°.
_A, _B = np.radians(45.0), np.radians(35.264)
_TURN = np.array([[np.cos(_A), -np.sin(_A), 0], [np.sin(_A), np.cos(_A), 0], [0, 0, 1]])
_TILT = np.array([[1, 0, 0], [0, np.cos(_B), -np.sin(_B)], [0, np.sin(_B), np.cos(_B)]])
_VIEW = _TILT @ _TURN
_LIGHT = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])


def thumbnail_png(tris: np.ndarray, size: int = SIZE) -> bytes | None:
    """PNG bytes of the mesh `tris` (n×3×3, mm) seen from above at an angle; None if flat."""
    if len(tris) == 0:
        return None
    from PIL import Image, ImageDraw  # Pillow comes with matplotlib; only workers need it

    pts = tris.astype(float) @ _VIEW.T  # x right, y up the screen, z towards the viewer
    normals = np.cross(pts[:, 1] - pts[:, 0], pts[:, 2] - pts[:, 0])
    screen_area = np.abs(normals[:, 2])
    if len(pts) > MAX_DRAWN:
        keep = np.argpartition(-screen_area, MAX_DRAWN)[:MAX_DRAWN]
        pts, normals = pts[keep], normals[keep]
    lo = pts[:, :, :2].reshape(-1, 2).min(axis=0)
    hi = pts[:, :, :2].reshape(-1, 2).max(axis=0)
    span = float((hi - lo).max())
    if not np.isfinite(span) or span <= 0:
        return None
    big = size * 2
    margin = big * 0.08
    scale = (big - 2 * margin) / span
    offset = (big - (hi - lo) * scale) / 2
    xy = (pts[:, :, :2] - lo) * scale + offset
    xy[:, :, 1] = big - xy[:, :, 1]  # image rows grow downwards
    length = np.linalg.norm(normals, axis=1)
    length[length == 0] = 1
    # Faces of inside-out or badly oriented meshes are lit the same on both sides.
    light = np.abs(normals @ _LIGHT) / length
    shade = np.clip(0.35 + 0.65 * light, 0, 1)
    colours = (COLOUR[None, :] * shade[:, None] + 255 * 0.25 * (1 - shade[:, None])).astype(int)
    order = np.argsort(pts[:, :, 2].mean(axis=1))  # far (small z) first
    image = Image.new("RGB", (big, big), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for i in order:
        c = colours[i]
        draw.polygon([tuple(p) for p in xy[i].tolist()], fill=(int(c[0]), int(c[1]), int(c[2])))
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.quantize(colors=64).save(out, format="PNG", optimize=True)
    return out.getvalue()


def thumbnail_text(tris: np.ndarray) -> str | None:
    """`thumbnail_png` as base64 text, the form stored in a part's record; None on failure."""
    try:
        png = thumbnail_png(tris)
    except (ValueError, MemoryError, OSError):
        return None  # a picture is a nicety: a mesh that measured stays measured
    return base64.b64encode(png).decode("ascii") if png else None
