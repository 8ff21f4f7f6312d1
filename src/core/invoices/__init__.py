"""The invoice a task obtained: its stamp, who issued it, and whether it checked out."""
