"""mindstate.preprocess stage."""
