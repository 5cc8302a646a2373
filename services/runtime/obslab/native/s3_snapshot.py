"""Keeps the lab's S3 buckets across restarts. Community LocalStack holds state in memory only
(PERSISTENCE does nothing there), while MLflow's registry in Postgres survives `make down`: without
this, a restarted lab would point its champion at model artifacts that no longer exist.

`save` mirrors each bucket into a folder before LocalStack stops; `restore` uploads it after start.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3

from obslab.settings import LabSettings


def _client(settings: LabSettings):
    return boto3.client("s3", endpoint_url=settings.localstack_url, region_name=settings.aws_region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def snapshot_dir(settings: LabSettings) -> Path:
    return settings.data_dir / "s3-snapshot"


def buckets(settings: LabSettings) -> list[str]:
    return [settings.artifacts_bucket, settings.data_bucket]


def save(settings: LabSettings) -> int:
    """Mirror every object of the lab's buckets to disk; returns the object count. The previous
    snapshot is replaced only once the new one is complete."""
    s3, final = _client(settings), snapshot_dir(settings)
    tmp = final.with_name(final.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    count = 0
    for bucket in buckets(settings):
        (tmp / bucket).mkdir(parents=True, exist_ok=True)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                target = tmp / bucket / obj["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, obj["Key"], str(target))
                count += 1
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return count


def restore(settings: LabSettings) -> int:
    """Upload a saved snapshot into the (freshly created, empty) buckets; returns the object count."""
    root = snapshot_dir(settings)
    if not root.is_dir():
        return 0
    s3, count = _client(settings), 0
    for bucket in buckets(settings):
        base = root / bucket
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            s3.upload_file(str(path), bucket, path.relative_to(base).as_posix())
            count += 1
    return count
