"""Templates: finding them (site over theme), rendering pages and entry fragments.

Every template autoescapes, undefined names are errors, and a template problem
is reported as `TEMPLATE:LINE: message`. Entry <article>s are rendered once per
content change and reused from the cache by every page that shows them.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

import sitegen.themes
from sitegen.cache import Cache, cache_key
from sitegen.config import SiteConfig
from sitegen.errors import ConfigError, Problem, TemplateError
from sitegen.model import Entry, Liveblog
from sitegen.pages import PageSpec
from sitegen.urls import Links
from sitegen.views import entry_view

BUNDLED_THEMES = Path(sitegen.themes.__file__).parent
ENTRY_TEMPLATE = "entry.html"


@dataclass(frozen=True)
class Theme:
    name: str
    templates: tuple[Path, ...]  # site overrides first, then the theme
    static: Path


def find_theme(source: Path, name: str) -> Theme:
    """The theme's folders; a missing theme names every place searched."""
    candidates = [source / "themes" / name, BUNDLED_THEMES / name]
    for folder in candidates:
        if (folder / "templates").is_dir():
            overrides = source / "templates"
            dirs = ((overrides,) if overrides.is_dir() else ()) + (folder / "templates",)
            return Theme(name, dirs, folder / "static")
    searched = ", ".join(str(c) for c in candidates)
    raise ConfigError(Problem(source / "sitegen.yaml", None, f"theme {name!r} not found; searched {searched}"))


class _Loader(jinja2.FileSystemLoader):
    """A file loader whose 'not found' names every folder it searched."""

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[no-untyped-def]
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            searched = ", ".join(str(Path(p) / template) for p in self.searchpath)
            raise jinja2.TemplateNotFound(template, f"template {template!r} not found; searched {searched}") from None


class Renderer:
    """Renders pages and entry fragments with one theme and config."""

    def __init__(self, theme: Theme, config: SiteConfig, cache: Cache) -> None:
        self.theme = theme
        self.cache = cache
        self.env = jinja2.Environment(
            loader=_Loader([str(p) for p in theme.templates]),
            autoescape=True,  # every template, HTML or XML, escapes by default
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.fingerprint = cache_key(self._templates_digest(), repr(config))

    def _templates_digest(self) -> str:
        digest = hashlib.sha256()
        for folder in self.theme.templates:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(folder)).encode() + b"\x00" + path.read_bytes())
        return digest.hexdigest()

    def fragment(self, entry: Entry, liveblog: Liveblog, links: Links) -> str:
        """An entry's <article> as seen from pages at one depth, from the cache when possible."""
        topics = repr([(t.slug, t.title) for t in liveblog.topics])
        key = cache_key("article", self.fingerprint, entry.digest, liveblog.slug, str(liveblog.timezone),
                        topics, links.root, links.base_url)
        html = self.cache.get(key)
        if html is None:
            html = self._render(ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links))
            self.cache.put(key, html)
        return html

    def page(self, spec: PageSpec) -> bytes:
        return self._render(spec.template, page=spec.context).encode("utf-8")

    def _render(self, name: str, **context: object) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            where = self._locate(exc, name)  # the template that includes/extends the missing one
            raise TemplateError(Problem(where.path if where.line else None, where.line,
                                        exc.message or f"template {name!r} not found")) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(Problem(Path(exc.filename or name), exc.lineno, exc.message or "syntax error")) from None
        except Exception as exc:  # noqa: BLE001 - any error inside a template is the template's
            raise TemplateError(self._locate(exc, name)) from None

    def _locate(self, exc: Exception, name: str) -> Problem:
        """The template file and line where a render error happened."""
        roots = tuple(str(p) for p in self.theme.templates)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(roots):
                return Problem(Path(frame.filename), frame.lineno, f"{type(exc).__name__}: {exc}")
        return Problem(Path(name), None, f"{type(exc).__name__}: {exc}")
