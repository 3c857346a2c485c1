"""node (built by a later issue)."""
