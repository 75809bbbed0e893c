"""Instant quotes for making a part: 3D printing (FDM, SLA) and laser cutting.

Public: `quote_mesh`, `quote_vector`, `Quote`. Rates and material data: `rates.toml`.
"""

from .estimate import quote_mesh, quote_vector
from .model import Quote, QuoteLine

__all__ = ["Quote", "QuoteLine", "quote_mesh", "quote_vector"]
