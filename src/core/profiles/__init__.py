"""Buyers' fiscal profiles: the receptor data a CFDI 4.0 is issued to."""
