"""API machinery: kinds registry, errors, defaulting, validation, selectors, quantities, patches."""
