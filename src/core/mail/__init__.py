"""Invoices that arrive by e-mail: reading the message, and (later) matching it to a task."""
