"""sitegen: a static-site generator for curated live coverage (liveblogs)."""

from sitegen.core import dataclass_code as _dataclass_code

__version__ = "0.1.0"

_dataclass_code.install()  # (before any module of sitegen defines a class: see dataclass_code.py)
