"""make bench: performance measured against targets and against the limit measured in the same run."""
