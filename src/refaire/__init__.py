"""Refaire: the open infrastructure of distributed, open-source production."""

__version__ = "0.1.0"
