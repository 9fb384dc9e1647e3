"""mindstate.serve stage."""
