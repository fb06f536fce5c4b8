"""A whole simulated election day, end to end, for ``make demo`` and the end-to-end test."""
