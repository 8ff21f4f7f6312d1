"""Strawberry output types."""
