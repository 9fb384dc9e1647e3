"""mindstate.train stage."""
