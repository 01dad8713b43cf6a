"""`deploy:` in `sitegen.yaml`: where `sitegen deploy` publishes, and how.

Credentials are never read from here: boto3 finds them in the standard AWS chain
(environment, shared profiles, an instance role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sitegen.core.schema import Invalid, at_least, choice, spec

ADDRESSING_STYLES = ("auto", "path", "virtual")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]")
REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?")  # what botocore accepts


def check_target(value: str) -> str:
    """`s3://BUCKET/PREFIX/`: the prefix (possibly empty) always ends in `/`."""
    parts = urlsplit(value.strip())
    if parts.scheme != "s3" or not parts.netloc:
        raise Invalid(f"must look like s3://BUCKET/ or s3://BUCKET/PREFIX/, not {value!r}")
    if not BUCKET.fullmatch(parts.netloc):
        raise Invalid(f"{parts.netloc!r} is not a bucket name (3-63 lower-case letters, digits, '.', '-')")
    if parts.query or parts.fragment:
        raise Invalid("must not have a query or fragment")
    prefix = parts.path.strip("/")
    return f"s3://{parts.netloc}/{prefix + '/' if prefix else ''}"


def check_endpoint(value: str) -> str:
    if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise Invalid(f"must be the storage's http(s) address such as https://ACCOUNT.r2.cloudflarestorage.com, "
                      f"not {value!r}")
    return value.rstrip("/")


def check_region(value: str) -> str:
    if not REGION.fullmatch(value):
        raise Invalid(f"must be a region name such as eu-west-1 (or `auto` for Cloudflare R2), not {value!r}")
    return value


def check_cache_rules(value: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Pattern -> Cache-Control value, in the order written (the first match wins)."""
    rules = []
    for pattern, header in value.items():
        if not isinstance(header, str) or not header.strip():
            raise Invalid(f"the rule for {pattern!r} must be a Cache-Control value such as "
                          "'public, max-age=60'")
        rules.append((str(pattern), " ".join(header.split())))
    return tuple(rules)


@dataclass(frozen=True)
class DeployConfig:
    """Where and how `sitegen deploy` publishes the output folder."""

    target: str = spec(check=check_target, doc="where to publish (e.g. `target: s3://BUCKET/PREFIX/`)")
    endpoint_url: str | None = spec(None, check=check_endpoint,
                                    doc="an S3-compatible service's address (R2, B2, MinIO); none for AWS")
    region: str | None = spec(None, check=check_region, doc="e.g. eu-west-1; `auto` for Cloudflare R2")
    addressing_style: str = spec("auto", check=choice(*ADDRESSING_STYLES), doc="`path` for MinIO and most servers")
    max_deletes: int = spec(256, check=at_least(0), doc="more deletions than this is an error unless --force")
    cache_control: Any = spec(None, check=check_cache_rules,
                              doc="output path pattern -> Cache-Control, overriding the defaults")
    cloudfront_distribution_id: str | None = spec(None, doc="invalidate changed pages at this CloudFront distribution")
    workers: int = spec(16, check=at_least(1), doc="uploads at once")

    @property
    def bucket(self) -> str:
        return urlsplit(self.target).netloc

    @property
    def prefix(self) -> str:
        return urlsplit(self.target).path.lstrip("/")

    @property
    def cache_rules(self) -> tuple[tuple[str, str], ...]:
        return self.cache_control or ()
