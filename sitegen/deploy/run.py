"""`sitegen deploy`, top to bottom: what the build left, what the bucket has, the plan,
then publishing and the CDN purge."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sitegen.build.pipeline import CACHE_DIR, BuildOptions, build, manifest_path, settled_output
from sitegen.config.deploy_config import DeployConfig
from sitegen.config.site_config import CONFIG_FILE, SiteConfig, load_config
from sitegen.core.errors import ConfigError, Problem
from sitegen.core.forking import Progress
from sitegen.deploy.cdn import CloudFront, Purger, page_paths
from sitegen.deploy.headers import CachePolicy
from sitegen.deploy.plan import DeployRecord, Plan, plan_from_listing, plan_from_record, record_path
from sitegen.deploy.publish import publish
from sitegen.deploy.storage import Bucket, DeployError
from sitegen.incremental.cache import Cache
from sitegen.output.record import OUTPUT_RECORDS, intact_records, remembered

DEPLOY_RECORDS = "deploy records"  # the session memo's partition for `deploy_record`


@dataclass(frozen=True)
class DeployOptions:
    build: BuildOptions
    run_build: bool = False
    dry_run: bool = False
    force: bool = False
    check_remote: bool = False


@dataclass(frozen=True)
class DeployResult:
    plan: Plan
    uploaded: int
    deleted: int
    purged: int
    seconds: float
    target: str
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            return f"Dry run: nothing was sent to {self.target}"
        if self.plan.empty:
            return f"Nothing to publish: {self.plan.unchanged} files already at {self.target}"
        purged = f", {self.purged} CDN paths purged" if self.purged else ""
        return (f"Published {self.uploaded} changed, {self.deleted} deleted, {self.plan.unchanged} unchanged"
                f"{purged} in {self.seconds:.2f} s -> {self.target}")


def deploy_config(source: Path) -> tuple[SiteConfig, DeployConfig]:
    config = load_config(source)
    if config.deploy is None:
        raise ConfigError(Problem(source / CONFIG_FILE, None, "there is no `deploy:` section saying where to "
                                  "publish; add one such as `deploy: {target: s3://BUCKET/}`"))
    return config, config.deploy


def deploy(options: DeployOptions, progress: Progress | None = None, cache: Cache | None = None,
           bucket: Bucket | None = None) -> DeployResult:
    """Publish the output folder as the last successful build left it (`--build`: build first).
    `cache`: a long-lived in-memory one (`deploy --watch`) holding that build's records;
    `bucket`: a client kept open between deploys (for the same target)."""
    started = time.perf_counter()
    config, target = deploy_config(options.build.source)
    with settled_output(options.build.output):  # no build changes the output meanwhile (lock.py)
        return _deploy_settled(options, config, target, started, progress, cache, bucket)


def _deploy_settled(options: DeployOptions, config: SiteConfig, target: DeployConfig, started: float,
                    progress: Progress | None, cache: Cache | None, bucket: Bucket | None) -> DeployResult:
    if options.run_build:
        build(options.build, progress=progress, locked=True)
    built = built_files(options.build, cache)
    policy = CachePolicy(config.live.poll_seconds, target.cache_rules)
    folder = options.build.cache_dir or options.build.source / CACHE_DIR
    path = record_path(folder, target.target, target.endpoint_url, options.build.output)
    own = bucket is None
    bucket = bucket or Bucket(target)
    try:
        with deploy_record(path, target.target, cache, keep=not options.dry_run) as record:
            return _deploy(options, config, target, built, record, policy, bucket, progress, started)
    finally:
        if own:
            bucket.close()


@contextmanager
def deploy_record(path: Path, target: str, cache: Cache | None, keep: bool) -> Iterator[DeployRecord]:
    """The deploy record, read from disk; with a long-lived cache (`deploy --watch`) once
    per session: after a deploy that ended well, the record in memory is what it saved
    (or more, had the save failed). One that ended in an error is read again next time."""
    memory = cache.memo.partition(DEPLOY_RECORDS) if cache is not None and cache.keep_in_memory else None
    record = memory.pop(str(path)) if memory is not None else None
    record = record or DeployRecord.load(path, target)
    yield record
    if memory is not None and keep:
        record.known = True  # (it describes the bucket now, whether it came from the disk or a listing)
        memory[str(path)] = record


def _deploy(options: DeployOptions, config: SiteConfig, target: DeployConfig, built: dict[str, str],
            record: DeployRecord, policy: CachePolicy, bucket: Bucket, progress: Progress | None,
            started: float) -> DeployResult:
    output = options.build.output
    now = time.time()
    if record.known and not options.check_remote:
        plan = plan_from_record(built, record, policy, now)
    else:
        plan = plan_from_listing(built, output, bucket.listing(), policy, record, now)
    check_deletes(plan, target, options.force)
    if options.dry_run:
        return DeployResult(plan, 0, 0, 0, time.perf_counter() - started, target.target, dry_run=True)
    if plan.empty:
        if not record.known or plan.retired:
            record.save()  # (found complete in the bucket, or files retired: what the next deploy needs)
        return DeployResult(plan, 0, 0, 0, time.perf_counter() - started, target.target)
    if plan.uploads:
        bucket.check()
    published = publish(plan, output, bucket, record, progress)
    purged = purge(purger(target), [*published.uploaded, *published.deleted], config.base_url)
    return DeployResult(plan, len(published.uploaded), len(published.deleted), purged,
                        time.perf_counter() - started, target.target)


def check_deletes(plan: Plan, target: DeployConfig, force: bool) -> None:
    """A mass deletion (a wrong --output, an emptied content folder) needs --force."""
    if len(plan.deletes) > target.max_deletes and not force:
        raise DeployError(f"this deploy would delete {len(plan.deletes)} files from {target.target}, more than "
                          f"deploy.max_deletes ({target.max_deletes}); nothing was sent. If that is "
                          "intended, run again with --force")


def built_files(options: BuildOptions, cache: Cache | None = None) -> dict[str, str]:
    """The output's files (path -> digest) as the last successful build recorded them,
    from memory (`deploy --watch`) or from the build's record beside its cache, which is
    trusted only while every file in the output is as that build left it."""
    known = remembered(cache.memo.partition(OUTPUT_RECORDS), options.output) if cache and cache.keep_in_memory else None
    if known is not None:
        return {rel: record.digest for rel, record in known.files.items()}
    manifest = manifest_path(options)
    files = None if manifest is None else intact_records(options.output, manifest)
    if files is None:
        raise DeployError(f"{options.output} is not as a successful `sitegen build` left it (no build yet, "
                          "a failed one, or files changed since): run `sitegen build`, or deploy with --build")
    return {rel: values[0] for rel, values in files.items()}


def purger(target: DeployConfig) -> Purger | None:
    return CloudFront(target.cloudfront_distribution_id) if target.cloudfront_distribution_id else None


def purge(cdn: Purger | None, keys: list[str], base_url: str) -> int:
    if cdn is None:
        return 0
    paths = page_paths(keys, base_url)
    if paths:
        cdn.purge(paths)
    return len(paths)
