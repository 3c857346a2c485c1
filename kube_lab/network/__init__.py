"""network (built by a later issue)."""
