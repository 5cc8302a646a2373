locals {
  ecs_assume = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }]
  })

  # X-Ray daemon permissions (the same actions as the AWSXRayDaemonWriteAccess managed policy).
  xray_actions = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
  ]

  task_policies = {
    serving = [
      { Sid = "ReadTrainingEmbeddings", Effect = "Allow", Action = ["s3:GetObject"], Resource = "${var.data_bucket_arn}/training_embeddings/*" },
      { Sid = "WriteProductionEmbeddings", Effect = "Allow", Action = ["s3:PutObject"], Resource = "${var.data_bucket_arn}/production_embeddings/*" },
      { Sid = "ReadModels", Effect = "Allow", Action = ["s3:GetObject"], Resource = "${var.artifacts_bucket_arn}/*" },
      { Sid = "ListBuckets", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [var.artifacts_bucket_arn, var.data_bucket_arn] },
      { Sid = "XRayDaemon", Effect = "Allow", Action = local.xray_actions, Resource = "*" },
    ]
    mlflow = [
      { Sid = "Artifacts", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = "${var.artifacts_bucket_arn}/*" },
      { Sid = "ListArtifacts", Effect = "Allow", Action = ["s3:ListBucket"], Resource = var.artifacts_bucket_arn },
    ]
    training = [
      { Sid = "Artifacts", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${var.artifacts_bucket_arn}/*" },
      { Sid = "TrainingEmbeddings", Effect = "Allow", Action = ["s3:PutObject", "s3:GetObject"], Resource = "${var.data_bucket_arn}/training_embeddings/*" },
      { Sid = "ListBuckets", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [var.artifacts_bucket_arn, var.data_bucket_arn] },
    ]
  }
}

################################################################################
# Secrets
################################################################################

resource "aws_secretsmanager_secret" "api_key" {
  #checkov:skip=CKV2_AWS_57:the serving API key is rotated by redeploying with a new value; no rotation Lambda
  name                    = "${var.name}/serving/api-key"
  description             = "Bearer API key of the serving endpoint (env API_KEY)"
  recovery_window_in_days = var.secret_recovery_window_days
  kms_key_id              = var.kms_key_arn
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "api_key" {
  count         = var.api_key == null ? 0 : 1
  secret_id     = aws_secretsmanager_secret.api_key.id
  secret_string = var.api_key
}

################################################################################
# ECS roles: one execution role, one task role per workload
################################################################################

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = local.ecs_assume
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  name = "read-task-secrets"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = concat([aws_secretsmanager_secret.api_key.arn], [for a in var.extra_execution_secret_arns : a])
    }]
  })
}

resource "aws_iam_role" "task" {
  for_each           = local.task_policies
  name               = "${var.name}-${each.key}-task"
  assume_role_policy = local.ecs_assume
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  #checkov:skip=CKV_AWS_290:X-Ray daemon actions do not support resource-level permissions
  #checkov:skip=CKV_AWS_355:X-Ray daemon actions do not support resource-level permissions
  for_each = local.task_policies
  name     = "${each.key}-task"
  role     = aws_iam_role.task[each.key].id
  policy   = jsonencode({ Version = "2012-10-17", Statement = each.value })
}
