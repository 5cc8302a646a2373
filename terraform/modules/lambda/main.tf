locals {
  environment = merge(var.environment, {
    DATA_BUCKET            = var.data_bucket_name
    SNS_TOPIC_ARN          = var.sns_topic_arn
    DRIFT_METRIC_NAMESPACE = var.metric_namespace
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

################################################################################
# IAM
################################################################################

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  #checkov:skip=CKV_AWS_290:cloudwatch:PutMetricData and X-Ray actions have no resource-level permissions (PutMetricData is limited by namespace condition)
  #checkov:skip=CKV_AWS_355:cloudwatch:PutMetricData and X-Ray actions have no resource-level permissions (PutMetricData is limited by namespace condition)
  name = "drift"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Logs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.this.arn}:*" },
      { Sid = "ListData", Effect = "Allow", Action = ["s3:ListBucket"], Resource = var.data_bucket_arn },
      { Sid = "ReadEmbeddings", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["${var.data_bucket_arn}/training_embeddings/*", "${var.data_bucket_arn}/production_embeddings/*"] },
      { Sid = "WriteResults", Effect = "Allow", Action = ["s3:PutObject"], Resource = "${var.data_bucket_arn}/drift_results/*" },
      { Sid = "Alert", Effect = "Allow", Action = ["sns:Publish"], Resource = var.sns_topic_arn },
      {
        Sid       = "Metrics", Effect = "Allow", Action = ["cloudwatch:PutMetricData"], Resource = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = var.metric_namespace } }
      },
      { Sid = "Tracing", Effect = "Allow", Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource = "*" },
    ]
  })
}

################################################################################
# Function and schedule
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:the function only calls S3, SNS and CloudWatch APIs; no VPC resources to reach
  #checkov:skip=CKV_AWS_272:code signing needs a signing profile; the zip is built and deployed by CI
  #checkov:skip=CKV_AWS_173:environment holds no secrets (bucket, topic, thresholds); AWS-managed key encrypts it
  function_name                  = var.name
  description                    = "Daily embedding drift check (KS + centroid) over production vs training embeddings"
  role                           = aws_iam_role.this.arn
  handler                        = var.handler
  runtime                        = var.runtime
  filename                       = var.zip_path
  source_code_hash               = fileexists(var.zip_path) ? filebase64sha256(var.zip_path) : null
  timeout                        = var.timeout_s
  memory_size                    = var.memory_mb
  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  # Failed asynchronous (scheduled) invocations go to the alert topic, so a broken drift job pages.
  dead_letter_config {
    target_arn = var.sns_topic_arn
  }

  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

resource "aws_cloudwatch_event_rule" "schedule" {
  name                = "${var.name}-schedule"
  description         = "Run the drift check"
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule = aws_cloudwatch_event_rule.schedule.name
  arn  = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowEventBridgeInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule.arn
}
