"""Live view of a task's local browser: CDP screencast frames over a WebSocket, and the
person's input forwarded while the task is PAUSED or INTERVENTION_NEEDED."""
