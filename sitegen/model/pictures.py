"""Processed images as the model knows them: published files with their sizes.

sitegen.media makes these (from files under static/); pages, feeds and structured
data only read them.
"""

from __future__ import annotations

from dataclasses import dataclass

SOCIAL_WIDTH = 1200  # og:image / twitter:image: what the social networks ask for


@dataclass(frozen=True)
class Variant:
    """One published file: `name` under the site's media/ folder."""

    name: str
    width: int
    height: int
    mime: str


@dataclass(frozen=True)
class Picture:
    """A processed local image: what <picture>, og:image and feeds need to know."""

    source: str  # its path under static/
    kind: str  # "photo", "animation" or "svg"
    fallback: tuple[Variant, ...]  # JPEG/PNG (or the one GIF/SVG), narrowest first
    modern: tuple[tuple[str, tuple[Variant, ...]], ...]  # (MIME type, variants): AVIF, WebP

    @property
    def img(self) -> Variant:
        """The <img src>: the fallback nearest 800 px wide (browsers with srcset pick better)."""
        return min(self.fallback, key=lambda v: (abs(v.width - 800), -v.width))

    @property
    def social(self) -> Variant:
        """The social-card image: 1200 px wide, or the widest there is below that."""
        fitting = [v for v in self.fallback if v.width <= SOCIAL_WIDTH]
        return fitting[-1] if fitting else self.fallback[0]

    @property
    def files(self) -> tuple[Variant, ...]:
        return self.fallback + tuple(v for _, variants in self.modern for v in variants)


MEDIA_FOLDER = "media/"


def media_route(variant: Variant) -> str:
    """Where a variant is published (its name is [a-z0-9.-] only)."""
    return MEDIA_FOLDER + variant.name
