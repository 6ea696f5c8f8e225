"""Relationships: measures over the timeline of interactions (see the submodules)."""
