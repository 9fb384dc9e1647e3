"""mindstate.uncertainty stage."""
