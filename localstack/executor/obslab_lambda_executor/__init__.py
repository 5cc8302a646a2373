"""LocalStack Lambda runtime executor running Python handlers as host processes.

Selected with LAMBDA_RUNTIME_EXECUTOR=local-process (see localstack/native.env). Only the native lab
uses it; under Compose LocalStack runs Lambdas in Docker as usual.
"""

NAME = "local-process"
