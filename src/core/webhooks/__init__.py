"""Signed webhooks: integrators are told when their tasks end, with retries and a log."""
