"""What search engines need of a news publisher's config for live coverage.

Every build warns about what is missing (as the structured data in `structured.py`
would otherwise publish without it), a build with nothing to do included: so this
module imports no more than the config, to keep that build's start short.
"""

from __future__ import annotations

import logging

from sitegen.config.site_config import SiteConfig

log = logging.getLogger("sitegen")

# (key, why) for every config key search engines expect of a news publisher.
REQUIRED = (
    ("publisher", "search engines need the publisher's name and logo for live coverage"),
    ("publisher.logo", "search engines need a publisher logo (a path under static/ or a URL)"),
)


def missing_keys(config: SiteConfig) -> list[tuple[str, str]]:
    """(key, why) for each key the structured data needs and the config lacks."""
    if config.publisher is None:
        return [REQUIRED[0], REQUIRED[1]]
    return [REQUIRED[1]] if not config.publisher.logo else []


def warn_missing(config: SiteConfig) -> None:
    for key, why in missing_keys(config):
        log.warning("sitegen.yaml: `%s` is not set; %s (schema.org LiveBlogPosting)", key, why)
