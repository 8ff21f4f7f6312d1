"""Checks that the local portals and their hand-written scripts work in a real browser."""
