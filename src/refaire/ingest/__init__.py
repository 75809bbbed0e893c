"""Reading sources: one reader per format, format detection, problem reports."""
