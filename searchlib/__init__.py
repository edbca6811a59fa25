"""searchlib: full-text, faceted search for news archives about terrorism and counter-terrorism."""

__version__ = "0.1.0"
