"""The practices of the movement the observatory follows, as signal tags.

Apart from `signals` so that the command line can list them in its help without loading
the database layer (offers and bookings come later).
"""

PRACTICES = ("open-design", "fabrication-place", "offers", "bookings")
