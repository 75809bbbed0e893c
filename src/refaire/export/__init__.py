"""Exports of normalised records: OKH-LOSH TOML, RDF Turtle (OKH ontology), CSV and JSON."""
