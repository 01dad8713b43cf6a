"""The bucket, through boto3: list, put, delete, and errors in words.

Credentials come from boto3's standard chain only (environment, shared profiles,
an instance role). Transient failures (throttling, 5xx, dropped connections) are
retried by botocore with exponential back-off; what remains is the user's to fix
(no credentials, refused credentials, no such bucket, unreachable endpoint) and
becomes one line naming the target.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from sitegen.config.deploy_config import DeployConfig
from sitegen.core.errors import SitegenError

RETRIES = {"max_attempts": 6, "mode": "standard"}  # standard mode: exponential back-off with jitter
DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys
REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken",
           "ExpiredToken", "AuthorizationHeaderMalformed", "UnrecognizedClientException", "403"}


class DeployError(SitegenError):
    """The deploy cannot go on: one line that says what to do."""


class Bucket:
    """One target: the bucket, and the prefix its keys start with."""

    def __init__(self, config: DeployConfig) -> None:
        self.config = config
        self.name = config.bucket
        self.prefix = config.prefix
        self.checked = False
        self.executor: ThreadPoolExecutor | None = None
        self.where = config.target + (f" at {config.endpoint_url}" if config.endpoint_url else "")
        with self.errors():  # (boto3 reads the AWS profile here: AWS_PROFILE may name none)
            self.client: Any = boto3.session.Session().client(
                "s3", endpoint_url=config.endpoint_url, region_name=config.region,
                config=Config(retries=RETRIES, max_pool_connections=max(10, config.workers),
                              s3={"addressing_style": config.addressing_style},
                              connect_timeout=10, read_timeout=60))

    def pool(self) -> ThreadPoolExecutor:
        """The upload threads, made once per client (`deploy --watch` keeps both)."""
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="sitegen-upload")
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def check(self) -> None:
        """Fail early, before anything is sent, when the bucket cannot be used (asked once
        per client: `deploy --watch` keeps one)."""
        if self.checked:
            return
        with self.errors():
            self.client.head_bucket(Bucket=self.name)
        self.checked = True

    def listing(self) -> dict[str, str]:
        """Every object below the prefix: key (without the prefix) -> MD5 from its ETag."""
        found: dict[str, str] = {}
        with self.errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    found[item["Key"][len(self.prefix):]] = item["ETag"].strip('"')
        return found

    def put(self, key: str, path: Path, content_type: str, cache_control: str) -> None:
        with self.errors(), open(path, "rb") as body:
            self.client.put_object(Bucket=self.name, Key=self.prefix + key, Body=body,
                                   ContentType=content_type, CacheControl=cache_control)

    def delete(self, keys: list[str]) -> None:
        with self.errors():
            for start in range(0, len(keys), DELETE_BATCH):
                batch = [{"Key": self.prefix + key} for key in keys[start:start + DELETE_BATCH]]
                answer = self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
                for error in answer.get("Errors", ()):
                    raise DeployError(f"cannot delete {error.get('Key')} from {self.where}: "
                                      f"{error.get('Message') or error.get('Code')}")

    @contextmanager
    def errors(self) -> Iterator[None]:
        """boto3's exceptions as one line for the user."""
        try:
            yield
        except NoCredentialsError:
            raise DeployError(f"no AWS credentials found for {self.where}: set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (never in sitegen.yaml)") from None
        except EndpointConnectionError as exc:
            raise DeployError(f"cannot reach the storage at {exc.kwargs.get('endpoint_url')}: check "
                              "deploy.endpoint_url and the network") from None
        except ClientError as exc:
            raise DeployError(self._refusal(exc)) from None
        except BotoCoreError as exc:
            raise DeployError(f"cannot publish to {self.where}: {exc}") from None

    def _refusal(self, exc: ClientError) -> str:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("NoSuchBucket", "404") or (code == "NotFound" and exc.operation_name == "HeadBucket"):
            return f"the bucket {self.name!r} does not exist ({self.where}): create it, or fix deploy.target"
        if code in REFUSED:
            return (f"the storage refused the credentials for {self.where} ({code}): check AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and that they may write to this bucket")
        return f"cannot publish to {self.where}: {error.get('Message') or code}"
