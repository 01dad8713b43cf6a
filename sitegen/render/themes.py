"""Where the themes shipped with sitegen live (the package `sitegen.themes`, data only).

Its own module, without Jinja: the up-to-date check stamps these files before it
knows whether anything needs rendering."""

from __future__ import annotations

from pathlib import Path

import sitegen.themes

BUNDLED_THEMES = Path(sitegen.themes.__file__).parent
