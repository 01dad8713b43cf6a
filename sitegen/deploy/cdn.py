"""Telling a CDN that pages changed, so readers do not wait for their cache to expire.

A `Purger` takes the URL paths (on the public host, from `base_url`) of the pages a
deploy changed or deleted. CloudFront is the one built in; another CDN's purge API
(Cloudflare, Fastly, Bunny) fits behind the same one-method protocol.
Hashed assets need no purge (new bytes, new name) and `updates.json` expires within
seconds by itself.
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Protocol
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sitegen.deploy.storage import RETRIES, DeployError

CLOUDFRONT_BATCH = 3000  # paths per invalidation (CloudFront's limit)
PAGE_SUFFIXES = (".html", ".htm")


class Purger(Protocol):
    name: str

    def purge(self, paths: list[str]) -> None:
        """Make the CDN fetch these URL paths from the bucket again."""


class CloudFront:
    """Invalidations at one CloudFront distribution, in batches."""

    name = "CloudFront"

    def __init__(self, distribution_id: str) -> None:
        self.distribution_id = distribution_id

    def purge(self, paths: list[str]) -> None:
        try:  # (the client too: it is made after the upload, and boto3 may refuse the AWS profile)
            client: Any = boto3.session.Session().client("cloudfront", config=Config(retries=RETRIES))
            for start in range(0, len(paths), CLOUDFRONT_BATCH):
                batch = paths[start:start + CLOUDFRONT_BATCH]
                client.create_invalidation(DistributionId=self.distribution_id, InvalidationBatch={
                    "Paths": {"Quantity": len(batch), "Items": batch},
                    "CallerReference": f"sitegen-{time.time_ns()}-{start}"})
        except (BotoCoreError, ClientError) as exc:
            raise DeployError(f"published, but the CloudFront invalidation at {self.distribution_id} "
                              f"failed: {exc}; readers get the new pages once their cache expires") from None


def page_paths(keys: Iterable[str], base_url: str) -> list[str]:
    """The URL paths under which readers fetch these output files: a folder's
    `index.html` both as `/L/` and `/L/index.html`. Other files are left out."""
    root = urlsplit(base_url).path or "/"
    paths: list[str] = []
    for key in keys:
        if not key.endswith(PAGE_SUFFIXES):
            continue
        if key == "index.html" or key.endswith("/index.html"):
            paths.append(quote(root + key[: -len("index.html")]))
        paths.append(quote(root + key))
    return sorted(set(paths))
