"""mindstate.export stage."""
