"""Files `sitegen init` copies into a new site."""
