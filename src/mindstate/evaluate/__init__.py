"""mindstate.evaluate stage."""
