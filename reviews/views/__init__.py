"""Reviewers' and chairs' pages: one module per part of the workflow."""
