"""Whether an SVG file can run code when a reader opens it.

An SVG is a document, not only a picture: opened by itself (any static host
serves it as `image/svg+xml`) it runs its `<script>`s, its `on...` handler
attributes and its `javascript:` links, with the site's origin. sitegen refuses
to publish such a file rather than change a file the user asked to be copied as
it is; the message says what to remove, at its line. (Inside an `<img>` an SVG
never runs script; this is about the file opened directly.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Protocol

from sitegen.core.errors import ContentError, Problem, raise_all

ACTIVE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
ANIMATIONS = {"set", "animate"}  # can set an href to `javascript:` (`to`, `values`)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "to", "values", "from", "by"}
_SCRIPT_URL = re.compile(r"^(?:java|vb)script:|^data:(?!image/(?:png|jpeg|gif|webp|avif))", re.I)
_IGNORED = re.compile(r"[\x00-\x20]")


def svg_dangers(data: bytes) -> list[tuple[int | None, str]]:
    """(line, what) for everything in the SVG that could run code (also when it is not
    well-formed XML at all: a browser would not show it either). lxml is imported
    here, by the builds of sites that have an SVG, not by every build."""
    import lxml.etree

    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        return [(exc.lineno, f"broken XML ({exc.msg}), which no browser shows and sitegen cannot check,")]
    found: list[tuple[int | None, str]] = []
    if root.getroottree().docinfo.internalDTD is not None:
        found.append((1, "a DOCTYPE with its own declarations (entities)"))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        name = lxml.etree.QName(element).localname
        if name in ACTIVE_ELEMENTS:
            found.append((element.sourceline, f"a <{name}> element"))
        for attribute, value in element.attrib.items():
            local = lxml.etree.QName(attribute).localname
            if local.lower().startswith("on"):
                found.append((element.sourceline, f"an event handler ({local}=...) on <{name}>"))
            elif (local in URL_ATTRIBUTES or name in ANIMATIONS) and any(
                    _SCRIPT_URL.search(_IGNORED.sub("", part)) for part in value.split(";")):
                found.append((element.sourceline, f"a script or document URL in {local}=... on <{name}>"))
    return found


class CleanSvgs(Protocol):
    """The SVGs found clean before, by their bytes (incremental.svgchecks keeps them in the
    cache): a logo checked once is not parsed again, nor lxml imported, by every build."""

    def known(self, data: bytes) -> bool: ...

    def remember(self, data: bytes) -> None: ...


def refuse_scripted_svgs(files: Iterable[Path], clean: CleanSvgs | None = None) -> None:
    """Raise one problem per danger in any of these SVG files (other files are skipped);
    `clean`: the files found clean before, and this check's clean ones for the next."""
    problems = []
    for path in files:
        if path.suffix.lower() != ".svg":
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue  # (the copy reports it)
        if clean is not None and clean.known(data):
            continue
        dangers = svg_dangers(data)
        for line, what in dangers:
            problems.append(Problem(path, line, f"{what} can run code when a reader opens this SVG by itself "
                                                "(on the site's address); remove it"))
        if not dangers and clean is not None:
            clean.remember(data)
    raise_all(problems, ContentError)
