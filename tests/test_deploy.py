"""`sitegen deploy` against a real S3 API on 127.0.0.1 (moto's server mode, started here):
every file with its bytes and headers, nothing sent twice, only what changed and
`updates.json` last, deletions guarded, an interrupted deploy finished by the next,
and the bucket's refusals as one clear line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from s3kit import S3, aws_env, output_files, start_s3
from sitekit import REPO_ROOT, build_ok, entry_md, html_page, make_site, run_cli, write
from sitegen.deploy.plan import stage

CONFIG = """\
title: Deploy Test
base_url: https://news.example.org/live/
timezone: UTC
live:
  poll_seconds: 15
deploy:
  target: s3://{bucket}/site/
  endpoint_url: {endpoint}
  region: us-east-1
  addressing_style: path
  max_deletes: {max_deletes}
{extra}"""
LIVEBLOG = "title: Night of the count\ndescription: Results as they come.\ntopics:\n  results: Results\n"
WRITES = ("PUT", "POST", "DELETE")


@pytest.fixture(scope="module")
def s3():
    server, s3 = start_s3()
    try:
        yield s3
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def aws(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in aws_env(tmp_path).items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)


def _site(tmp_path: Path, s3: S3, bucket: str, entries: int = 4, max_deletes: int = 5, extra: str = "") -> Path:
    files = {"liveblog.yaml": LIVEBLOG}
    for n in range(1, entries + 1):
        files[f"e{n}.md"] = entry_md(f"2025-05-01T{n:02d}:00", f"Result {n} is in.", title=f"Seat {n}",
                                     topics="[results]")
    return make_site(tmp_path, CONFIG.format(bucket=bucket, endpoint=s3.endpoint, max_deletes=max_deletes,
                                             extra=extra), {"night": files})


def _deploy(site: Path, *args: str):
    return run_cli("deploy", "--source", str(site), *args)


def _deploy_ok(site: Path, *args: str):
    result = _deploy(site, *args)
    assert result.exception is None, result.exception
    assert result.exit_code == 0, result.stderr
    return result


def _writes(s3: S3, start: int, bucket: str) -> list[tuple[str, str]]:
    return [(r.method, r.key.removeprefix("site/")) for r in s3.log.since(start, bucket) if r.method in WRITES]


def _edit(site: Path, n: int, body: str) -> None:
    path = site / f"content/night/e{n}.md"
    write(path, entry_md(f"2025-05-01T{n:02d}:00", body, title=f"Seat {n}", topics="[results]"))
    stamp = path.stat().st_mtime_ns + 2_000_000_000  # (a second edit within the clock's step is still seen)
    os.utime(path, ns=(stamp, stamp))


def test_first_deploy_puts_every_file_with_its_bytes_and_headers(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    out = build_ok(site)
    result = _deploy_ok(site)
    assert re.fullmatch(r"Published (\d+) changed, 0 deleted, 0 unchanged in [\d.]+ s -> s3://\S+\n", result.stderr)

    local, remote = output_files(out), s3.objects(bucket, "site/")
    assert remote.keys() == local.keys()
    assert all(remote[key]["body"] == data for key, data in local.items())
    headers = {key: (o["content_type"], o["cache_control"]) for key, o in remote.items()}
    assert headers["night/updates.json"] == ("application/json; charset=utf-8", "public, max-age=5")  # 15 s / 3
    assert headers["night/index.html"] == ("text/html; charset=utf-8", "public, max-age=60, stale-while-revalidate=60")
    assert headers["night/entries/e1/index.html"][0] == "text/html; charset=utf-8"
    assert headers["night/feed.xml"] == ("application/rss+xml; charset=utf-8", "public, max-age=120")
    assert headers["sitemap.xml"][0] == "application/xml; charset=utf-8"

    # The theme's assets and sitegen.js's texts carry a hash of their bytes; every page refers to those names.
    assets = sorted(key for key in remote if key.startswith("assets/"))
    assert sorted(re.sub(r"\.[0-9a-f]{10}\.", ".H.", a) for a in assets) == ["assets/sitegen.H.css",
                                                                           "assets/sitegen.H.js",
                                                                           "assets/texts-en.H.js"]
    for key in assets:
        assert headers[key][1] == "public, max-age=31536000, immutable"
    for page in ("index.html", "night/index.html", "night/entries/e2/index.html", "404.html"):
        tree = html_page(out / page)
        refs = tree.xpath("//link[@rel='stylesheet']/@href") + tree.xpath("//script[@src]/@src")
        assert sorted(ref.rsplit("/", 1)[1] for ref in refs) == sorted(a.rsplit("/", 1)[1] for a in assets), page

    # A second deploy with nothing changed sends nothing, and asks the bucket nothing.
    start = s3.log.mark()
    again = _deploy_ok(site)
    assert s3.log.since(start, bucket) == []
    assert again.stderr == f"Nothing to publish: {len(local)} files already at s3://{bucket}/site/\n"


def test_an_edit_sends_only_the_changed_files_and_updates_json_last(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    out = build_ok(site)
    _deploy_ok(site)
    before = output_files(out)

    _edit(site, 2, "Result 2 is in, **corrected**.")
    build_ok(site)
    after = output_files(out)
    changed = {key for key in after if before.get(key) != after[key]}
    assert "night/updates.json" in changed and "night/entries/e2/index.html" in changed
    assert "night/entries/e1/index.html" not in changed

    start = s3.log.mark()
    _deploy_ok(site)
    writes = _writes(s3, start, bucket)
    assert all(method == "PUT" for method, _ in writes)
    sent = [key for _, key in writes]
    assert sorted(sent) == sorted(changed)  # only what changed, each once
    assert sent[-1] == "night/updates.json"
    assert [stage(k) for k in sent] == sorted(stage(k) for k in sent)  # entry pages before fronts and feeds
    assert {k: o["body"] for k, o in s3.objects(bucket, "site/").items()} == after


def test_a_deleted_entry_goes_after_everything_else(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    build_ok(site)
    _deploy_ok(site)
    (site / "content/night/e3.md").unlink()
    out = build_ok(site)

    start = s3.log.mark()
    result = _deploy_ok(site)
    assert re.match(r"Published \d+ changed, 1 deleted", result.stderr)
    writes = _writes(s3, start, bucket)
    assert writes[-1][0] == "POST"  # one DeleteObjects, after every upload
    assert {m for m, _ in writes[:-1]} == {"PUT"}
    remote = s3.objects(bucket, "site/")
    assert "night/entries/e3/index.html" not in remote
    assert remote.keys() == output_files(out).keys()
    assert "entry-e3" not in json.dumps(json.loads(remote["night/updates.json"]["body"]))


def test_max_deletes_stops_a_mass_deletion_unless_forced(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, entries=8, max_deletes=3)
    build_ok(site)
    _deploy_ok(site)
    before = s3.objects(bucket, "site/")
    for n in range(2, 8):
        (site / f"content/night/e{n}.md").unlink()
    build_ok(site)

    start = s3.log.mark()
    refused = _deploy(site)
    assert refused.exit_code == 1
    assert re.fullmatch(r"error: this deploy would delete 6 files from s3://\S+, more than deploy.max_deletes "
                        r"\(3\); nothing was sent\. If that is intended, run again with --force\n", refused.stderr)
    assert _writes(s3, start, bucket) == []
    assert s3.objects(bucket, "site/") == before

    plan = _deploy_ok(site, "--dry-run", "--force")
    assert "     6 to delete" in plan.stdout.splitlines()
    assert _writes(s3, start, bucket) == []
    _deploy_ok(site, "--force")
    assert not any(k.startswith(f"night/entries/e{n}/") for k in s3.objects(bucket, "site/") for n in range(2, 8))


def test_a_deploy_killed_halfway_leaves_a_consistent_bucket_and_the_next_finishes(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, entries=6, extra="  workers: 1\n")
    out = build_ok(site)
    env = aws_env(tmp_path)
    command = [sys.executable, "-m", "sitegen", "deploy", "--source", str(site)]
    process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    puts: list[str] = []

    def kill_at_the_eighth(request) -> None:
        if request.bucket == bucket and request.method == "PUT":
            puts.append(request.key)
            if len(puts) == 8:
                os.kill(process.pid, signal.SIGKILL)

    s3.log.on_request = kill_at_the_eighth
    try:
        process.communicate(timeout=60)
    finally:
        s3.log.on_request = None
    assert process.returncode == -signal.SIGKILL
    remote = s3.objects(bucket, "site/")
    assert 0 < len(remote) < len(output_files(out))
    assert "night/updates.json" not in remote and "night/index.html" not in remote  # nothing points to the gaps

    rerun = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert {k: o["body"] for k, o in s3.objects(bucket, "site/").items()} == output_files(out)


def test_an_interrupted_deploy_remembers_what_reached_the_bucket(tmp_path, s3, monkeypatch):
    from sitegen.deploy import storage

    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, extra="  workers: 1\n")
    out = build_ok(site)
    real_put, sent = storage.Bucket.put, []

    def failing_put(self, key, *args):
        if len(sent) == 5:
            raise storage.DeployError("the network went away")
        real_put(self, key, *args)
        sent.append(key)

    monkeypatch.setattr(storage.Bucket, "put", failing_put)
    failed = _deploy(site)
    assert failed.exit_code == 1 and failed.stderr == "error: the network went away\n"
    monkeypatch.setattr(storage.Bucket, "put", real_put)

    start = s3.log.mark()
    _deploy_ok(site)
    resent = [key for _, key in _writes(s3, start, bucket)]
    assert not set(resent) & set(sent)  # what reached the bucket is not sent again
    assert sorted(resent + sent) == sorted(output_files(out))


def test_transient_errors_are_retried_with_back_off(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, extra="  workers: 1\n")
    out = build_ok(site)
    start = s3.log.mark()
    s3.log.fail_puts = 3  # three answers in a row: "slow down"
    try:
        _deploy_ok(site)
    finally:
        s3.log.fail_puts = 0
    puts = [r for r in s3.log.since(start, bucket) if r.method == "PUT"]
    assert len(puts) == len(output_files(out)) + 3
    assert puts[0].key == puts[1].key == puts[2].key == puts[3].key  # the same file, until it went through
    assert puts[3].at - puts[0].at > 0.05  # not at once: botocore backs off between tries
    assert {k: o["body"] for k, o in s3.objects(bucket, "site/").items()} == output_files(out)


def test_check_remote_compares_with_the_bucket(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    out = build_ok(site)
    _deploy_ok(site)
    client = s3.client()
    client.delete_object(Bucket=bucket, Key="site/night/entries/e1/index.html")
    client.put_object(Bucket=bucket, Key="site/night/feed.xml", Body=b"tampered")
    client.put_object(Bucket=bucket, Key="site/old/stray.html", Body=b"left over")

    start = s3.log.mark()
    _deploy_ok(site)  # the record says all is there
    assert _writes(s3, start, bucket) == []
    result = _deploy_ok(site, "--check-remote")
    assert re.match(r"Published 2 changed, 1 deleted, \d+ unchanged", result.stderr)
    assert {k: o["body"] for k, o in s3.objects(bucket, "site/").items()} == output_files(out)


def test_a_first_deploy_to_a_filled_bucket_sends_only_the_differences(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    build_ok(site)
    _deploy_ok(site)
    for record in (site / ".sitegen-cache").glob("deploy-*.json"):
        record.unlink()  # (another computer, say)
    start = s3.log.mark()
    result = _deploy_ok(site)
    assert result.stderr.startswith("Nothing to publish")
    assert {r.method for r in s3.log.since(start, bucket)} == {"GET"}  # the listing only


def test_cache_control_rules_by_pattern_come_first(tmp_path, s3):
    bucket = s3.new_bucket()
    rules = "  cache_control:\n    '*/updates.json': 'no-cache'\n    'night/*.html': 'public, max-age=10'\n"
    site = _site(tmp_path, s3, bucket, extra=rules)
    build_ok(site)
    _deploy_ok(site)
    remote = s3.objects(bucket, "site/")
    assert remote["night/updates.json"]["cache_control"] == "no-cache"
    assert remote["night/index.html"]["cache_control"] == "public, max-age=10"
    assert remote["index.html"]["cache_control"] == "public, max-age=60, stale-while-revalidate=60"

    # New rules mean new headers: those files are sent again.
    config = site / "sitegen.yaml"
    config.write_text(config.read_text().replace("'no-cache'", "'public, max-age=2'"))
    start = s3.log.mark()
    _deploy_ok(site, "--build")
    assert _writes(s3, start, bucket) == [("PUT", "night/updates.json")]
    assert s3.objects(bucket, "site/")["night/updates.json"]["cache_control"] == "public, max-age=2"


def test_dry_run_prints_the_plan_and_sends_nothing(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    out = build_ok(site)
    start = s3.log.mark()
    result = _deploy_ok(site, "--dry-run")
    lines = result.stdout.splitlines()
    assert lines[0] == "     3 to upload: media and assets"  # (stylesheet, script, its texts)
    assert lines[-2] == "     1 to upload: live updates"
    assert lines[-1] == "     0 unchanged (compared with the bucket)"
    assert sum(int(line.split()[0]) for line in lines[:-1]) == len(output_files(out))
    assert _writes(s3, start, bucket) == [] and s3.objects(bucket, "site/") == {}


def test_without_a_successful_build_nothing_is_sent(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    start = s3.log.mark()
    result = _deploy(site)
    assert result.exit_code == 1
    assert "run `sitegen build`, or deploy with --build" in result.stderr
    write(site / "content/night/e9.md", "---\ntime: not a time\n---\nBody.\n")
    broken = _deploy(site, "--build")
    assert broken.exit_code == 1 and "nothing was published" in broken.stderr
    assert re.search(r"e9\.md:\d+: ", broken.stderr)
    assert s3.log.since(start, bucket) == []


def test_a_missing_bucket_bad_and_absent_credentials_are_one_clear_line(tmp_path, s3, monkeypatch):
    bucket = s3.new_bucket(create=False)
    site = _site(tmp_path, s3, bucket)
    build_ok(site)
    missing = _deploy(site)
    assert (missing.exit_code, missing.stdout) == (1, "")
    assert missing.stderr == (f"error: the bucket '{bucket}' does not exist (s3://{bucket}/site/ at {s3.endpoint}): "
                              "create it, or fix deploy.target\n")

    s3.client().create_bucket(Bucket=bucket)
    s3.require_auth(True)
    try:
        refused = _deploy(site)
    finally:
        s3.require_auth(False)
    assert refused.exit_code == 1
    assert re.fullmatch(r"error: the storage refused the credentials for s3://\S+ at \S+ \(InvalidAccessKeyId\): "
                        r"check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may "
                        r"write to this bucket\n", refused.stderr)

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    absent = _deploy(site)
    assert absent.exit_code == 1 and absent.stderr.startswith("error: no AWS credentials found for s3://")
    assert absent.stderr.count("\n") == 1 and "Traceback" not in absent.stderr
    assert s3.objects(bucket, "site/") == {}


def test_an_unknown_aws_profile_is_one_clear_line(tmp_path, s3, monkeypatch):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    build_ok(site)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    result = _deploy(site)
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot publish to s3://{bucket}/site/ at {s3.endpoint}: "
                             "The config profile (no-such-profile) could not be found\n")
    monkeypatch.delenv("AWS_PROFILE")
    assert s3.objects(bucket, "site/") == {}


@pytest.mark.parametrize("deploy, message", [
    ("deploy:\n  target: s3://news/\n  max_delete: 3\n", "unknown key 'deploy.max_delete'; did you mean 'max_deletes'?"),
    ("deploy:\n  target: https://b/\n", "deploy.target: must look like s3://BUCKET/ or s3://BUCKET/PREFIX/"),
    ("deploy:\n  target: s3://news/\n  cache_control:\n    '*.html': 5\n", "deploy.cache_control: the rule for"),
    ("deploy:\n  target: s3://news/\n  region: eu west 1\n", "deploy.region: must be a region name such as "),
])
def test_deploy_settings_are_checked_like_every_other(tmp_path, deploy, message):
    site = make_site(tmp_path, "title: T\nbase_url: https://example.org/\n" + deploy)
    result = _deploy(site)
    assert result.exit_code == 1
    assert re.match(rf"\S*sitegen\.yaml:\d+: {re.escape(message)}", result.stderr), result.stderr


def test_without_a_deploy_section_the_user_is_told_what_to_add(tmp_path):
    site = make_site(tmp_path, "title: T\nbase_url: https://example.org/\n")
    result = _deploy(site)
    assert result.exit_code == 1 and "there is no `deploy:` section" in result.stderr


def test_deploy_settings_do_not_change_a_byte_of_output(tmp_path, s3):
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    out = build_ok(site)
    before = output_files(out)
    config = site / "sitegen.yaml"
    config.write_text(config.read_text().replace("max_deletes: 5", "max_deletes: 50"))
    assert output_files(build_ok(site)) == before


def test_deploy_watch_publishes_each_save_in_one_line(tmp_path, s3):
    from sitegen.build.pipeline import default_options
    from sitegen.deploy.run import DeployOptions
    from sitegen.deploy.watch import DeployWatch

    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    lines: list[str] = []
    session = DeployWatch(DeployOptions(default_options(site)), say=lines.append).start()
    try:
        assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] published \d+ file\(s\): assets/\S+, assets/\S+, \S+ and \d+ more; "
                            r"in [\d.]+ s", lines[0])
        assert lines[1].startswith("Watching ")
        write(site / "content/night/e9.md", entry_md("2025-05-01T09:00", "A late result.", title="Seat 9"))
        deadline = time.monotonic() + 30
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] published \d+ file\(s\): night/entries/e9/index\.html, \S+, \S+ "
                            r"and \d+ more; live [\d.]+ s after the save", lines[2]), lines
        assert lines[2].split(": ", 1)[1].count("updates.json") == 0  # (shown: the first three only)
        remote = s3.objects(bucket, "site/")
        assert "night/entries/e9/index.html" in remote
        assert "entry-e9" in remote["night/updates.json"]["body"].decode()
    finally:
        session.stop()
    # The session leaves the build's record: a plain deploy finds nothing left to do.
    assert _deploy_ok(site).stderr.startswith("Nothing to publish")


def test_deploy_watch_reads_the_deploy_record_once(tmp_path, s3, monkeypatch):
    """The record a watch's publish saved is the one the next publish compares with: kept
    in the session's memory, not read back from disk."""
    from sitegen.build.pipeline import default_options
    from sitegen.deploy.plan import DeployRecord
    from sitegen.deploy.run import DeployOptions
    from sitegen.deploy.watch import DeployWatch

    loads: list[Path] = []
    real = DeployRecord.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(DeployRecord, "load", classmethod(lambda cls, path, target: loads.append(path)
                                                          or real(cls, path, target)))
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    lines: list[str] = []
    session = DeployWatch(DeployOptions(default_options(site)), say=lines.append).start()
    try:
        for n, text in enumerate(("Result 2 is in, corrected.", "Result 2 is in, corrected again.")):
            start = s3.log.mark()
            _edit(site, 2, text)
            deadline = time.monotonic() + 30
            while len(lines) < 3 + n and time.monotonic() < deadline:
                time.sleep(0.05)
            assert " published " in lines[2 + n], lines
            sent = [key for _, key in _writes(s3, start, bucket)]
            assert "night/entries/e2/index.html" in sent and "night/entries/e1/index.html" not in sent
    finally:
        session.stop()
    assert len(loads) == 1
    assert _deploy_ok(site).stderr.startswith("Nothing to publish")


def test_deploy_watch_publishes_a_scheduled_entry_when_it_comes_due(tmp_path, s3):
    """Nothing is saved: the clock alone brings the entry, and the watch publishes it."""
    from datetime import datetime, timedelta, timezone

    from sitegen.build.pipeline import default_options
    from sitegen.deploy.run import DeployOptions
    from sitegen.deploy.watch import DeployWatch

    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket)
    due = (datetime.now(timezone.utc) + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    write(site / "content/night/later.md", entry_md(due, "Polls close.", title="Scheduled"))
    lines: list[str] = []
    session = DeployWatch(DeployOptions(default_options(site)), say=lines.append).start()
    try:
        assert "night/entries/later/index.html" not in s3.objects(bucket, "site/")
        deadline = time.monotonic() + 30
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(lines) >= 3 and "night/entries/later/index.html" in lines[2], lines
        remote = s3.objects(bucket, "site/")
        assert "night/entries/later/index.html" in remote
        assert "entry-later" in remote["night/updates.json"]["body"].decode()
    finally:
        session.stop()


def test_cloudfront_is_told_which_pages_changed(tmp_path, s3, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", s3.endpoint)  # (botocore's per-service endpoint)
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    origin = {"Id": "bucket", "DomainName": "bucket.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "bucket", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}})["Distribution"]["Id"]
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, extra=f"  cloudfront_distribution_id: {distribution}\n")
    build_ok(site)
    _deploy_ok(site)
    _edit(site, 1, "Result 1, recounted.")
    build_ok(site)
    result = _deploy_ok(site)
    assert re.search(r", (\d+) CDN paths purged in", result.stderr)
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    paths = set()
    for item in listed:
        batch = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])
        paths |= set(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    assert {"/live/night/", "/live/night/index.html", "/live/night/entries/e1/",
            "/live/night/entries/e1/index.html"} <= paths
    assert not any(p.endswith((".json", ".xml", ".css", ".js")) for p in paths)


@pytest.mark.parametrize("key, poll, expected", [
    ("l/updates.json", 15, "public, max-age=5"),
    ("l/updates.json", 2, "public, max-age=1"),
    ("l/updates.json", 60, "public, max-age=20"),
    ("assets/sitegen.0123456789.css", 15, "public, max-age=31536000, immutable"),
    ("media/harbour-0123456789ab-640.webp", 15, "public, max-age=31536000, immutable"),  # processed photos
    ("media/harbour.jpg", 15, "public, max-age=3600"),  # a name without its content's hash is not immutable
    ("images/logo.svg", 15, "public, max-age=3600"),
    ("l/topics/t/index.html", 15, "public, max-age=60, stale-while-revalidate=60"),
    ("l/key-events/atom.xml", 15, "public, max-age=120"),
])
def test_default_cache_control_by_kind(key, poll, expected):
    from sitegen.deploy.headers import default_cache_control

    assert default_cache_control(key, poll) == expected


@pytest.mark.parametrize("key, expected", [
    ("media/a-0123456789ab-640.webp", 0), ("assets/sitegen.0123456789.js", 0), ("l/entries/e/index.html", 1),
    ("l/page/2/index.html", 2), ("l/topics/t/index.html", 3), ("l/topics/t/page/2/index.html", 3),
    ("l/topics/page/index.html", 3), ("l/index.html", 4), ("l/feed.xml", 4), ("index.html", 4),
    ("sitemap.xml", 4), ("l/updates.json", 5), ("l/entries/topics/index.html", 1), ("l/topics/t/feed.json", 4),
    ("l/key-events/atom.xml", 4), ("static/data.json", 0),
])
def test_upload_stages(key, expected):
    assert stage(key) == expected


def test_a_superseded_stylesheet_stays_a_while_for_pages_still_cached(tmp_path, s3):
    theme = REPO_ROOT / "themes" / "default"
    files = {f"themes/mine/{p.relative_to(theme).as_posix()}": p.read_bytes() for p in theme.rglob("*") if p.is_file()}
    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, extra="")
    for rel, data in files.items():
        write(site / rel, data)
    config = site / "sitegen.yaml"
    config.write_text(config.read_text().replace("timezone: UTC\n", "timezone: UTC\ntheme: mine\n"))
    build_ok(site)
    _deploy_ok(site)
    old_css = {k for k in s3.objects(bucket, "site/") if k.endswith(".css")}

    css = site / "themes/mine/static/sitegen.css"
    css.write_text(css.read_text() + "\n.sg-new { outline: 1px solid }\n")
    out = build_ok(site)
    plan = _deploy_ok(site, "--dry-run")
    assert "     1 superseded hashed files kept 10 minutes for pages still cached" in plan.stdout.splitlines()
    result = _deploy_ok(site)
    assert ", 0 deleted," in result.stderr
    remote = s3.objects(bucket, "site/")
    new_css = {k for k in remote if k.endswith(".css")} - old_css
    assert len(new_css) == 1 and old_css <= remote.keys()  # both generations, for a moment
    assert html_page(out / "night/index.html").xpath("//link[@rel='stylesheet']/@href")[0].endswith(
        new_css.pop().rsplit("/", 1)[1])

    assert _deploy_ok(site).stderr.startswith("Nothing to publish")  # too soon: still kept
    assert old_css <= s3.objects(bucket, "site/").keys()
    for path in (site / ".sitegen-cache").glob("deploy-*.json"):  # ten minutes later
        data = json.loads(path.read_text())
        for key in old_css:
            data["files"][key][1] = f"retired:{time.time() - 601:.0f}"
        path.write_text(json.dumps(data))
    later = _deploy_ok(site)
    assert re.match(r"Published 0 changed, 1 deleted", later.stderr)
    assert not old_css & s3.objects(bucket, "site/").keys()


def test_processed_photos_go_first_and_are_immutable(tmp_path, s3):
    from PIL import Image

    bucket = s3.new_bucket()
    site = _site(tmp_path, s3, bucket, entries=2)
    (site / "static/images").mkdir(parents=True)
    Image.new("RGB", (320, 200), (200, 40, 40)).save(site / "static/images/count.jpg", quality=80)
    write(site / "content/night/e3.md", entry_md("2025-05-01T03:00", "The hall.", title="Seat 3",
                                                 image="images/count.jpg", alt="The counting hall"))
    out = build_ok(site)
    start = s3.log.mark()
    _deploy_ok(site)
    puts = [r.key.removeprefix("site/") for r in s3.log.since(start, bucket) if r.method == "PUT"]
    media = [k for k in puts if k.startswith("media/")]
    assert media and all(k in output_files(out) for k in media)
    first_page = min(i for i, k in enumerate(puts) if k.endswith(".html"))
    assert max(puts.index(k) for k in media) < first_page  # a page never shows a photo not there yet
    remote = s3.objects(bucket, "site/")
    for key in media:
        assert remote[key]["cache_control"] == "public, max-age=31536000, immutable", key
        assert remote[key]["content_type"].startswith("image/"), key
