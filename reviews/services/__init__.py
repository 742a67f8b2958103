"""Writes on reviewers, bids, affinity and assignments: one module per lifecycle."""
