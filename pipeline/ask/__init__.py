"""Asking: the search index over a run's passages, retrieval and grounded answers."""
