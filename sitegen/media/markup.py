"""The HTML of published media: <picture> with srcset, <video>, and the markers between stages.

An entry body is rendered to HTML once per content change, before its images are
processed, so a local image leaves a *pending marker* there (`pending`), which
`library.resolve` replaces with the final markup once the image's variants are
known. That markup names files relative to the site root through `SITE_ROOT`,
which each page (or feed) turns into its own way there (`urls.Links.site_html`).

Bodies are rendered (and cached) before their liveblog's language is known, so an
interface text that media writes into one (an embed card's "Show the post") is a
*label marker* there (`label`), which `fill_labels` replaces by the text in the
liveblog's language (its `t`) when the liveblog is loaded; a cached body therefore
never carries another language's words.

No marker character can come from a source: control characters are removed
from every text read and both Markdown engines turn `&#2;`/`&#3;`/`&#4;` into U+FFFD.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Callable
from urllib.parse import quote

from sitegen.core.urls import SITE_ROOT
from sitegen.model.pictures import Picture, Variant, media_route as route

PENDING = "\x03"
_PENDING = re.compile(PENDING + "([^" + PENDING + "]*)" + PENDING)
MarkupFor = Callable[[str, str, "str | None"], str]  # (src, alt, title) -> HTML
LABEL = "\x04"
_LABEL = re.compile(LABEL + "([^" + LABEL + "]*)" + LABEL)
Texts = Callable[..., str]  # (key, **values) -> plain text: a liveblog's `t.text` (sitegen.i18n)


def pending(src: str, alt: str, title: str | None) -> str:
    """The marker a local image in a body leaves until its variants are known."""
    return PENDING + json.dumps([src, alt, title], ensure_ascii=True) + PENDING


def pending_items(body_html: str) -> list[tuple[str, str, str | None]]:
    """(src, alt, title) of each marker in a rendered body."""
    return [_decode(m[1]) for m in _PENDING.finditer(body_html)] if PENDING in body_html else []


def replace_pending(body_html: str, make: MarkupFor) -> str:
    """The body with each marker replaced by `make(src, alt, title)`."""
    return _PENDING.sub(lambda m: make(*_decode(m[1])), body_html)


def _decode(payload: str) -> tuple[str, str, str | None]:
    src, alt, title = json.loads(payload)
    return str(src), str(alt), None if title is None else str(title)


def label(key: str, **values: str) -> str:
    """The marker an interface text (a catalog key, placeholders' values) leaves in a body
    until its liveblog's language is known."""
    return LABEL + json.dumps([key, values], ensure_ascii=True, sort_keys=True) + LABEL


def fill_labels(html: str, text: Texts) -> str:
    """`html` with each label marker replaced by `text(key, **values)`, escaped for text
    and attribute values alike (a label may be either, an iframe's title for one)."""
    if LABEL not in html:
        return html

    def one(found: re.Match[str]) -> str:
        key, values = json.loads(found[1])
        return escape(text(str(key), **{str(k): str(v) for k, v in values.items()}))
    return _LABEL.sub(one, html)


def _url(variant: Variant) -> str:
    return SITE_ROOT + route(variant)


def _srcset(variants: tuple[Variant, ...]) -> str:
    return ", ".join(f"{_url(v)} {v.width}w" for v in variants)


def picture_html(picture: Picture, alt: str, sizes: str, title: str | None = None) -> str:
    """A processed image: every <img> with width, height, alt, lazy loading and async
    decoding (the page makes its first image eager, see render.first_image_eager)."""
    img = picture.img
    extra = f' title="{escape(title)}"' if title else ""
    common = (f'width="{img.width}" height="{img.height}" alt="{escape(alt)}"{extra} '
              'loading="lazy" decoding="async"')
    if picture.kind != "photo":  # one file: SVG or an animation
        return f'<img src="{_url(img)}" {common}>'
    size = escape(sizes)
    sources = "".join(f'<source type="{mime}" srcset="{_srcset(variants)}" sizes="{size}">'
                      for mime, variants in picture.modern)
    return (f'<picture>{sources}<img src="{_url(img)}" srcset="{_srcset(picture.fallback)}" '
            f'sizes="{size}" {common}></picture>')


def video_html(path: str, mime: str, alt: str, poster: Picture | None) -> str:
    """A local video: nothing loads until the reader presses play (preload="none")."""
    url = SITE_ROOT + quote(path)
    size = f' width="{poster.img.width}" height="{poster.img.height}"' if poster else ""
    cover = f' poster="{_url(poster.social)}"' if poster else ""
    label = f' aria-label="{escape(alt)}"' if alt else ""
    return (f'<video controls preload="none"{cover}{size}{label}><source src="{url}" type="{mime}">'
            f'<a href="{url}">{escape(alt or path.rsplit("/", 1)[-1])}</a></video>')
