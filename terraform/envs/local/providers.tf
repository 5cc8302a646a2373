# Every service the stack could call points at LocalStack, so nothing here can reach real AWS.
provider "aws" {
  region                      = var.region
  access_key                  = "test"
  secret_key                  = "test"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    acm                    = var.localstack_endpoint
    applicationautoscaling = var.localstack_endpoint
    cloudwatch             = var.localstack_endpoint
    cloudwatchlogs         = var.localstack_endpoint
    ec2                    = var.localstack_endpoint
    ecr                    = var.localstack_endpoint
    ecs                    = var.localstack_endpoint
    elbv2                  = var.localstack_endpoint
    events                 = var.localstack_endpoint
    iam                    = var.localstack_endpoint
    kms                    = var.localstack_endpoint
    lambda                 = var.localstack_endpoint
    rds                    = var.localstack_endpoint
    s3                     = var.localstack_endpoint
    secretsmanager         = var.localstack_endpoint
    servicediscovery       = var.localstack_endpoint
    sns                    = var.localstack_endpoint
    sqs                    = var.localstack_endpoint
    sts                    = var.localstack_endpoint
    wafv2                  = var.localstack_endpoint
    xray                   = var.localstack_endpoint
  }

  # No default_tags: LocalStack 4.14 drops the tags given to PutMetricAlarm, so tagged alarms would
  # show a diff on every plan. Tags come from the stack's `tags` instead, and alarms stay untagged.
}
