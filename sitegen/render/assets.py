"""The theme's stylesheets and scripts, published under content-hashed names.

A page refers to `assets/sitegen.0123456789.css`, never to `assets/sitegen.css`:
the name changes whenever the bytes do, so browsers and CDNs may keep an asset
for a year (`Cache-Control: immutable`, see sitegen/deploy/headers.py) and a
reader never gets today's HTML with yesterday's stylesheet. Other theme files
(fonts, images a stylesheet refers to by a relative `url()`) keep their names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sitegen.config.site_config import SiteConfig
from sitegen.core import urls
from sitegen.render.renderer import Theme
from sitegen.source.files import walk_files

HASHED_SUFFIXES = (".css", ".js")


def theme_assets(theme: Theme) -> tuple[tuple[str, str], ...]:
    """(name under the theme's static/, published name) for each stylesheet and script."""
    if not theme.static.is_dir():
        return ()
    found = []
    for path in walk_files(theme.static, theme.static):
        if path.suffix in HASHED_SUFFIXES:
            name = path.relative_to(theme.static).as_posix()
            found.append((name, urls.hashed_name(name, path.read_bytes())))
    return tuple(sorted(found))


def with_assets(config: SiteConfig, theme: Theme) -> SiteConfig:
    """The config that pages are made with: it knows the assets' published names (part of
    the render fingerprint, so every page is made again when one of them changes)."""
    return replace(config, assets=theme_assets(theme))


def theme_static_files(theme: Theme, assets: tuple[tuple[str, str], ...]) -> list[tuple[str, Path, str]]:
    """(output path, file, origin) for each file of the theme's static/ folder."""
    if not theme.static.is_dir():
        return []
    return [(urls.asset(name, assets), path, str(path))
            for path in walk_files(theme.static, theme.static)
            for name in [path.relative_to(theme.static).as_posix()]]
