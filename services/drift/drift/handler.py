"""AWS Lambda entry point: `drift.handler.lambda_handler` (thin wrapper over drift.job)."""

from __future__ import annotations

import logging
import os

from drift.config import JobConfig, Thresholds
from drift.job import run_job

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def make_clients() -> dict:
    import boto3  # provided by the Lambda runtime; not in the zip

    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None  # LocalStack when set
    session = boto3.session.Session()
    return {name: session.client(name, endpoint_url=endpoint) for name in ("s3", "cloudwatch", "sns")}


def lambda_handler(event, context):
    clients = make_clients()
    return run_job(event if isinstance(event, dict) else {}, s3=clients["s3"],
                   cloudwatch=clients["cloudwatch"], sns=clients["sns"],
                   cfg=JobConfig.from_env(), thresholds=Thresholds.from_env())
