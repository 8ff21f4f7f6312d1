"""Invoicing tasks: one ticket, one vendor portal, one fiscal profile."""
