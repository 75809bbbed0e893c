"""Geometry of design files: 3D meshes (STL, 3MF, OBJ) and 2D cutting drawings (SVG, DXF).

Public entry points: `measure_file`, `measure_bytes` → `MeshReport`.
"""

from .mesh import MeshReport, measure_bytes, measure_file

__all__ = ["MeshReport", "measure_bytes", "measure_file"]
