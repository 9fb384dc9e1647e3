"""mindstate.stream stage."""
