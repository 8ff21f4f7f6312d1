"""The parts of bench/load.py, one module each; that script is the entry point."""
