"""sitegen: a static-site generator for curated live coverage (liveblogs)."""

__version__ = "0.1.0"
