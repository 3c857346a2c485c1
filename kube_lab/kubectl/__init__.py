"""kubectl (built by a later issue)."""
