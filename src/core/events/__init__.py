"""Each task's append-only event log (status, step, live_url, artifact, invoice, error)."""
