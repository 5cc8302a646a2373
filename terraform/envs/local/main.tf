locals {
  repo_root = abspath("${path.module}/../../..")
  alerts    = yamldecode(file(coalesce(var.alerts_file, "${local.repo_root}/observability/alerts.yaml"))).alerts
}

module "obslab" {
  source      = "../../modules/stack"
  project     = var.project
  environment = "local"
  region      = var.region
  tags        = { Project = var.project, Environment = "local", ManagedBy = "terraform" }
  tag_alarms  = false # LocalStack 4.14 drops PutMetricAlarm tags

  # LocalStack Community answers 501 for these.
  enable_networking = false
  enable_ecr        = false
  enable_rds        = false
  enable_alb        = false
  enable_ecs        = false

  bucket_names          = var.bucket_names
  force_destroy_buckets = true
  alerts                = local.alerts
  alert_email           = "alerts@obslab.local"

  drift_function_name = var.drift_function_name
  lambda_zip_path     = coalesce(var.lambda_zip_path, "${local.repo_root}/build/drift-lambda.zip")
  drift_environment = merge(var.drift_environment, {
    AWS_ENDPOINT_URL = var.localstack_endpoint
  }, var.pushgateway_url == null ? {} : { PUSHGATEWAY_URL = var.pushgateway_url })

  secret_recovery_window_days = 0
  log_retention_days          = 7
}

# The native runtime creates the lab's buckets when it starts (and `make drift` may have deployed the
# function): adopt them so the drift Lambda reads the bucket serving writes to and `make drift` invokes
# this function. Import is a no-op once they are in state. `make tf-local-destroy` removes the buckets
# from state before destroying, so the lab's data survives.
import {
  for_each = { for k, v in var.bucket_names : k => v if contains(var.adopt_existing, k) }
  to       = module.obslab.module.s3.aws_s3_bucket.this[each.key]
  id       = each.value
}

import {
  for_each = contains(var.adopt_existing, "drift_function") ? toset([var.drift_function_name]) : toset([])
  to       = module.obslab.module.lambda.aws_lambda_function.this
  id       = each.value
}

import {
  for_each = contains(var.adopt_existing, "drift_log_group") ? toset(["/aws/lambda/${var.drift_function_name}"]) : toset([])
  to       = module.obslab.module.lambda.aws_cloudwatch_log_group.this
  id       = each.value
}
