"""Normalisation vocabularies and the capability resolver: text in, canonical ids out."""
