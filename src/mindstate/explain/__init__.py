"""mindstate.explain stage."""
