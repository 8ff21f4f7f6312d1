"""Observability: structured logs with the running task's context and no clear-text PII,
errors to Sentry, and the numbers /metrics reads from the database."""
