"""`sitegen deploy`: publish the output folder to S3-compatible object storage."""
