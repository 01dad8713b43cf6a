"""`media:` in `sitegen.yaml`: how photos are published and how social posts are embedded.

Declared here (below `site_config`, which holds it) so that the schema stays one
declarative tree; sitegen.media reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sitegen.core.schema import Invalid, at_least, choice, spec

EMBED_MODES = ("click", "load", "link")
# EXIF fields a site may choose to keep (the rest, GPS above all, is always removed).
KEEPABLE_FIELDS = ("artist", "copyright", "description", "make", "model", "software")
IMAGE_FORMATS = ("avif", "webp")


def check_widths(value: tuple[int, ...]) -> tuple[int, ...]:
    if not value:
        raise Invalid("needs at least one width, e.g. [480, 800, 1200, 1600]")
    for width in value:
        if not 16 <= width <= 8192:
            raise Invalid(f"each width must be between 16 and 8192 pixels, not {width}")
    return tuple(sorted(set(value)))


# A CSS length (a number and a unit, or 0) or a calc(), min(), max() or clamp() of them.
_SIZE = r"(?:(?:\d+\.?\d*|\.\d+)(?:px|r?em|ex|ch|[sld]?v(?:w|h|i|b|min|max)|cm|mm|q|in|pt|pc)|0|(?:calc|min|max|clamp)\(.*\))"
_CONDITION = r"(?:not\s+)?\([^()]*\)(?:\s+(?:and|or)\s+\([^()]*\))*\s*"  # a media condition, before its size
_CONDITIONAL_SIZE = re.compile(_CONDITION + _SIZE, re.IGNORECASE)
_LAST_SIZE = re.compile(_SIZE, re.IGNORECASE)


def check_sizes(value: str) -> str:
    """The `sizes` of an <img>: CSS lengths, each but the last after a media condition.
    Checked here: a browser ignores a wrong one silently (and loads the photo at the wrong
    resolution), and the page is no longer valid HTML."""
    *conditional, last = [item.strip() for item in _top_level(value)]
    if not _LAST_SIZE.fullmatch(last) or not all(_CONDITIONAL_SIZE.fullmatch(item) for item in conditional):
        raise Invalid(f"{value!r} is not a list of CSS widths such as \"(min-width: 48rem) 44rem, 100vw\" "
                      "(the width a photo takes on screens that match each condition, then on all others)")
    return value


def _top_level(value: str) -> list[str]:
    """`value` cut at its commas outside parentheses (min(), max() and clamp() hold some)."""
    items, depth, start = [], 0, 0
    for at, char in enumerate(value):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(value[start:at])
            start = at + 1
    return [*items, value[start:]]


def check_quality(value: int) -> int:
    if not 1 <= value <= 100:
        raise Invalid(f"must be between 1 and 100, not {value}")
    return value


def each(*allowed: str):  # type: ignore[no-untyped-def]
    """A check that every item of a list is one of `allowed` (with a did-you-mean)."""
    one = choice(*allowed)

    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(one(item) for item in value))
    return check


def check_hosts(value: tuple[str, ...]) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower().rstrip(".") for host in value)
    for host in hosts:
        labels = host.split(".")
        if len(labels) < 2 or not all(label and label.replace("-", "").isalnum() and label.isascii()
                                      for label in labels):
            raise Invalid(f"{host!r} is not a host name such as mastodon.social")
    return hosts


@dataclass(frozen=True)
class EmbedsConfig:
    """Per provider: `click` (a card; the post loads when the reader asks), `load` (the
    post loads with the page) or `link` (the card only, never the provider's embed)."""

    x: str = spec("click", check=choice(*EMBED_MODES))
    telegram: str = spec("click", check=choice(*EMBED_MODES))
    bluesky: str = spec("click", check=choice(*EMBED_MODES))
    mastodon: str = spec("click", check=choice(*EMBED_MODES))
    instagram: str = spec("click", check=choice(*EMBED_MODES))
    tiktok: str = spec("click", check=choice(*EMBED_MODES))
    facebook: str = spec("click", check=choice(*EMBED_MODES))
    youtube: str = spec("click", check=choice(*EMBED_MODES))
    vimeo: str = spec("click", check=choice(*EMBED_MODES))
    mastodon_hosts: tuple[str, ...] = spec(
        ("mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "fosstodon.org",
         "journa.host", "newsie.social", "mastodon.world", "social.vivaldi.net"),
        check=check_hosts, doc="Mastodon servers whose posts become embeds (there is no single host)")


@dataclass(frozen=True)
class MediaConfig:
    """Photos are resized, stripped of metadata and published with content-hashed names."""

    widths: tuple[int, ...] = spec((480, 800, 1200, 1600), check=check_widths)
    sizes: str = spec("(min-width: 48rem) 44rem, 100vw", check=check_sizes, doc="the <img sizes> of entry photos")
    quality: int = spec(80, check=check_quality)
    formats: tuple[str, ...] = spec(IMAGE_FORMATS, check=each(*IMAGE_FORMATS),
                                    doc="modern formats beside the JPEG/PNG fallback (avif where Pillow has it)")
    keep_metadata: tuple[str, ...] = spec((), check=each(*KEEPABLE_FIELDS),
                                          doc="EXIF fields kept in published photos; all else is removed")
    max_pixels: int = spec(60_000_000, check=at_least(1), doc="larger images are refused (decompression bombs)")
    embeds: EmbedsConfig = spec(EmbedsConfig())
