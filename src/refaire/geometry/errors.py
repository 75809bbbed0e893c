"""The one exception the mesh readers raise; `mesh.py` turns it into a report problem.

Readers raise instead of returning partial data so that a half-read file can never be
measured as if it were whole; the public functions never let it escape.
"""

from __future__ import annotations


class MeshError(ValueError):
    """Input that cannot be measured; the message is written for the person who sent it."""
