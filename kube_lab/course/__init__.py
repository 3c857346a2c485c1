"""course (built by a later issue)."""
