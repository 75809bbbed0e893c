"""The matching engine: where, and how, a design can be made near a place.

`requirements` reads what a design needs; `capabilities` what a facility offers;
`index` holds both sides precomputed; `engine` matches one design (or one facility);
`plans` combines several facilities; `explain` words every verdict in English and French;
`coverage` answers for the whole corpus at once.
"""
