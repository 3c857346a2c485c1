"""viz (built by a later issue)."""
