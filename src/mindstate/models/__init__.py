"""mindstate.models stage."""
