"""The observatory: inventory and analysis of the open-hardware movement.

Modules: `completeness` (documentation score of a design), `derive` (per-design figures
kept in the store), `figures` (the dashboard, a handful of grouped queries), `index`
(transformation potential per sector), `coverage` (the matching engine's share of
designs the registered facilities can make), `population`, `signals` (the watch of weak
signals), `tables` (the dashboard as downloadable tables) and `charts` (SVG charts).
"""
