"""A real S3 API on 127.0.0.1 for deploy tests: moto's server mode, started by the
tests themselves, with a log of every request it answers (method, key, time)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import boto3
from moto.server import ThreadedMotoServer

from helpers import free_port


@dataclass(frozen=True)
class Request:
    method: str
    bucket: str
    key: str
    at: float


@dataclass
class RequestLog:
    """WSGI middleware in front of moto: what reached the server, in order."""

    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_request: Callable[[Request], None] | None = None
    fail_puts: int = 0  # answer this many PUTs with 503 SlowDown, as a busy S3 does


    def wrap(self, app: Any) -> Any:
        def logged(environ: dict[str, Any], start_response: Any) -> Any:
            path = unquote(environ.get("PATH_INFO", "")).lstrip("/")
            bucket, _, key = path.partition("/")
            request = Request(environ["REQUEST_METHOD"], bucket, key, time.time())
            if not path.startswith("moto-api"):
                with self.lock:
                    self.requests.append(request)
                if self.on_request:
                    self.on_request(request)
                if request.method == "PUT" and self.fail_puts > 0:
                    self.fail_puts -= 1
                    start_response("503 Slow Down", [("Content-Type", "application/xml")])
                    return [b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                            b"<Message>Please reduce your request rate.</Message></Error>"]
            return app(environ, start_response)
        return logged

    def since(self, start: int, bucket: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests[start:] if r.bucket == bucket]

    def mark(self) -> int:
        with self.lock:
            return len(self.requests)


@dataclass
class S3:
    endpoint: str
    log: RequestLog

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def new_bucket(self, create: bool = True) -> str:
        name = f"site-{secrets.token_hex(4)}"
        if create:
            self.client().create_bucket(Bucket=name)
        return name

    def make_public(self, bucket: str) -> None:
        """Anyone may read the objects (the policy a bucket serving a site has)."""
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                          "Resource": f"arn:aws:s3:::{bucket}/*"}]}
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def objects(self, bucket: str, prefix: str = "") -> dict[str, dict[str, Any]]:
        """key (without prefix) -> {body, content_type, cache_control}."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                got = client.get_object(Bucket=bucket, Key=item["Key"])
                found[item["Key"][len(prefix):]] = {"body": got["Body"].read(), "content_type": got["ContentType"],
                                                   "cache_control": got.get("CacheControl")}
        return found

    def require_auth(self, on: bool) -> None:
        """moto checks credentials against its IAM users (none: every key is refused)."""
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth",
                                                      data=b"0" if on else b"inf", method="POST",
                                                      headers={"Content-Type": "text/plain"}), timeout=10)


def start_s3() -> tuple[ThreadedMotoServer, S3]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # (a line per request otherwise)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    log = RequestLog()
    server._server.app = log.wrap(server._server.app)  # (werkzeug's server calls `self.app` per request)
    return server, S3(f"http://127.0.0.1:{port}", log)


def aws_env(home: Path) -> dict[str, str]:
    """Credentials from the environment only (no profile files, no instance metadata)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(home / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-creds"),
               AWS_EC2_METADATA_DISABLED="true")
    return env


def output_files(output: Path) -> dict[str, bytes]:
    """What a deploy publishes: every file of the output but sitegen's marker."""
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.name != ".sitegen-output"}
