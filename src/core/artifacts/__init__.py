"""Files a task produced: screenshots, downloads, the stamped XML and PDF."""
