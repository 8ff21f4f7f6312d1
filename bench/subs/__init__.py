"""The roles of bench/subscriptions.py, one module each; that script is the entry point."""
