"""mindstate.simulate stage."""
