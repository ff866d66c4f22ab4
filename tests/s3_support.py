"""An S3-compatible server for tests: moto's server (a test requirement) on 127.0.0.1, on a free port,
and a fixture that puts the platform's uploads and private files in a fresh bucket of it."""

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.settings import s3_storages

REGION = "eu-west-3"
CREDENTIALS = {"aws_access_key_id": "essai", "aws_secret_access_key": "essai-secret"}


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)


def bucket_names(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    """Every object name of the bucket under `prefix`."""
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture
def s3_bucket(settings, s3_endpoint):
    """Uploads and private files go to a new bucket for this test; returns its name."""
    bucket = f"essai-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages(
            bucket=bucket,
            endpoint_url=s3_endpoint,
            region=REGION,
            access_key=CREDENTIALS["aws_access_key_id"],
            secret_key=CREDENTIALS["aws_secret_access_key"],
        ),
    }
    return bucket
