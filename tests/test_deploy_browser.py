"""End to end in headless Chromium: a liveblog deployed to a local S3 server (moto, on
127.0.0.1), read straight from the bucket's path-style URL (so `base_url` has a
sub-path), shows a new entry by itself once it is deployed, within one poll interval."""

from __future__ import annotations

import time

import pytest

from s3kit import start_s3
from sitekit import build_ok, entry_md, make_site, run_cli, write

POLL = 2  # seconds

CONFIG = """\
title: Bucket Live
base_url: {base}
timezone: UTC
live:
  poll_seconds: {poll}
deploy:
  target: s3://{bucket}/site/
  endpoint_url: {endpoint}
  region: us-east-1
  addressing_style: path
"""


@pytest.fixture
def s3(monkeypatch, tmp_path):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server, s3 = start_s3()
    try:
        yield s3
    finally:
        server.stop()


def _deploy(site) -> None:
    result = run_cli("deploy", "--source", str(site), "--build")
    assert result.exit_code == 0, result.stderr


def test_a_page_read_from_the_bucket_shows_a_deployed_entry_by_itself(tmp_path, s3, page):
    bucket = s3.new_bucket()
    s3.make_public(bucket)
    base = f"{s3.endpoint}/{bucket}/site/"
    entries = {"liveblog.yaml": "title: Count night\ndescription: Seat by seat.\n",
               **{f"e{n}.md": entry_md(f"2025-05-01T0{n}:00", f"Seat {n} declared.", title=f"Seat {n}")
                  for n in (1, 2, 3)}}
    site = make_site(tmp_path, CONFIG.format(base=base, poll=POLL, bucket=bucket, endpoint=s3.endpoint),
                     {"night": entries})
    _deploy(site)

    page.goto(base + "night/index.html")
    page.wait_for_selector(".sg-toolbar", state="attached")  # sitegen.js, under its hashed name, ran
    stylesheet = page.eval_on_selector("link[rel=stylesheet]", "l => l.sheet && l.sheet.cssRules.length")
    assert stylesheet  # the hashed stylesheet came from the bucket
    page.evaluate("window.__sameDocument = true")
    assert page.locator("#entry-e4").count() == 0

    write(site / "content/night/e4.md", entry_md("2025-05-01T04:00", "Seat 4 declared.", title="Seat 4"))
    _deploy(site)
    deployed = time.monotonic()
    page.wait_for_selector("#entry-e4", timeout=(POLL + 3) * 1000)
    waited = time.monotonic() - deployed
    assert waited <= POLL + 0.5, f"the entry took {waited:.2f} s after the deploy"
    assert page.eval_on_selector_all(".stream__entries > article", "els => els.map(e => e.id)")[:2] == \
        ["entry-e4", "entry-e3"]
    assert page.evaluate("window.__sameDocument") is True  # no reload: the page polled updates.json
    build_ok(site)  # (the folder is as the deploy left it)
