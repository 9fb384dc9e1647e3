"""mindstate.features stage."""
