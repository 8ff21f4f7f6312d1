"""Running a task: claiming it, the engine chain, and the controls a person has over it."""
