locals {
  name       = "${var.project}-${var.environment}"
  networking = var.enable_networking || var.enable_alb || var.enable_ecs || var.enable_rds
  images = {
    for w in ["serving", "mlflow", "training"] : w => lookup(var.images, w,
    var.enable_ecr ? "${try(module.ecr[0].repository_urls[w], "")}:${var.image_tag}" : "${var.project}/${w}:${var.image_tag}")
  }
  ports = { serving = 8000, mlflow = 5000 }

  dimensions_by_namespace = { for ns, dims in {
    "AWS/ApplicationELB" = var.enable_alb ? { LoadBalancer = module.alb[0].arn_suffix, TargetGroup = module.alb[0].target_group_arn_suffixes["serving"] } : {}
    "AWS/ECS"            = var.enable_ecs ? { ClusterName = module.ecs[0].cluster_name, ServiceName = module.ecs[0].service_names["serving"] } : {}
    "AWS/RDS"            = var.enable_rds ? { DBInstanceIdentifier = module.rds[0].identifier } : {}
  } : ns => dims if length(dims) > 0 }
}

################################################################################
# Always on (LocalStack serves these)
################################################################################

module "s3" {
  source                             = "../s3"
  buckets                            = var.bucket_names
  force_destroy                      = var.force_destroy_buckets
  expire_prefixes                    = { data = { "production_embeddings/" = var.production_embeddings_expiration_days } }
  noncurrent_version_expiration_days = 30
  tags                               = var.tags
}

module "security" {
  source                      = "../security"
  name                        = local.name
  artifacts_bucket_arn        = module.s3.bucket_arns["artifacts"]
  data_bucket_arn             = module.s3.bucket_arns["data"]
  api_key                     = var.api_key
  secret_recovery_window_days = var.secret_recovery_window_days
  extra_execution_secret_arns = var.enable_rds ? [module.rds[0].master_user_secret_arn] : []
  tags                        = var.tags
}

module "monitoring" {
  source                  = "../monitoring"
  name                    = local.name
  alerts                  = var.alerts
  dimensions_by_namespace = local.dimensions_by_namespace
  alert_email             = var.alert_email
  pagerduty_endpoint      = var.pagerduty_endpoint
  training_log_group_name = var.enable_ecs ? module.ecs[0].log_group_names["training"] : null
  log_retention_days      = var.log_retention_days
  tag_alarms              = var.tag_alarms
  tags                    = var.tags
}

module "lambda" {
  source              = "../lambda"
  name                = coalesce(var.drift_function_name, "${local.name}-drift")
  zip_path            = var.lambda_zip_path
  schedule_expression = var.drift_schedule
  data_bucket_name    = module.s3.bucket_names["data"]
  data_bucket_arn     = module.s3.bucket_arns["data"]
  sns_topic_arn       = module.monitoring.sns_topic_arn
  metric_namespace    = one(distinct([for a in var.alerts : a.cloudwatch.namespace if a.name == "DataDriftDetected"]))
  environment         = var.drift_environment
  log_retention_days  = var.log_retention_days
  tags                = var.tags
}

################################################################################
# Prod only
################################################################################

module "networking" {
  source                  = "../networking"
  count                   = local.networking ? 1 : 0
  name                    = local.name
  azs                     = var.azs
  vpc_cidr                = var.vpc_cidr
  single_nat_gateway      = var.single_nat_gateway
  app_ports               = local.ports
  flow_log_retention_days = var.log_retention_days
  tags                    = var.tags
}

module "ecr" {
  source = "../ecr"
  count  = var.enable_ecr ? 1 : 0
  name   = var.project
  tags   = var.tags
}

module "rds" {
  source              = "../rds"
  count               = var.enable_rds ? 1 : 0
  name                = local.name
  subnet_ids          = module.networking[0].private_subnet_ids
  security_group_id   = module.networking[0].security_group_ids["db"]
  instance_class      = var.rds.instance_class
  multi_az            = var.rds.multi_az
  deletion_protection = var.rds.deletion_protection
  tags                = var.tags
}

module "alb" {
  source            = "../alb"
  count             = var.enable_alb ? 1 : 0
  name              = local.name
  vpc_id            = module.networking[0].vpc_id
  subnet_ids        = module.networking[0].public_subnet_ids
  security_group_id = module.networking[0].security_group_ids["alb"]
  domain_name       = var.domain_name
  certificate_arn   = var.certificate_arn
  waf_rate_limit    = var.waf_rate_limit
  targets = {
    serving = { port = local.ports.serving, health_check_path = "/health" }
    mlflow  = { port = local.ports.mlflow, health_check_path = "/health", host_header = "mlflow", priority = 10 }
  }
  tags = var.tags
}

module "ecs" {
  source                = "../ecs"
  count                 = var.enable_ecs ? 1 : 0
  name                  = local.name
  region                = var.region
  vpc_id                = module.networking[0].vpc_id
  subnet_ids            = module.networking[0].private_subnet_ids
  security_group_id     = module.networking[0].security_group_ids["app"]
  execution_role_arn    = module.security.execution_role_arn
  task_role_arns        = module.security.task_role_arns
  target_group_arns     = var.enable_alb ? module.alb[0].target_group_arns : {}
  cpu_target_percent    = var.cpu_target_percent
  deployment_controller = var.deployment_controller
  log_retention_days    = var.log_retention_days
  tags                  = var.tags

  workloads = {
    serving = {
      image        = local.images.serving
      cpu          = var.serving.cpu
      memory       = var.serving.memory
      port         = local.ports.serving
      min_count    = var.serving.min_count
      max_count    = var.serving.max_count
      xray_sidecar = true
      environment = {
        MLFLOW_TRACKING_URI = "http://mlflow.${local.name}.local:${local.ports.mlflow}"
        MODEL_NAME          = var.model_name
        DATA_BUCKET         = module.s3.bucket_names["data"]
        AWS_REGION          = var.region
      }
      secrets = { API_KEY = module.security.api_key_secret_arn }
    }
    mlflow = {
      image     = local.images.mlflow
      cpu       = 512
      memory    = 1024
      port      = local.ports.mlflow
      min_count = 1
      max_count = 2
      command = ["sh", "-c", join(" ", [
        "mlflow server --host 0.0.0.0 --port ${local.ports.mlflow} --workers 1",
        "--backend-store-uri postgresql+psycopg2://$DB_USER:$DB_PASSWORD@$DB_HOST/$DB_NAME",
        "--artifacts-destination s3://${module.s3.bucket_names["artifacts"]}/mlflow --serve-artifacts",
      ])]
      environment = var.enable_rds ? {
        DB_HOST                            = "${module.rds[0].address}:${module.rds[0].port}"
        DB_NAME                            = module.rds[0].db_name
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION = "false"
      } : {}
      secrets = var.enable_rds ? {
        DB_USER     = "${module.rds[0].master_user_secret_arn}:username::"
        DB_PASSWORD = "${module.rds[0].master_user_secret_arn}:password::"
      } : {}
    }
    training = {
      image          = local.images.training
      cpu            = 1024
      memory         = 2048
      run_as_service = false
      environment = {
        MLFLOW_TRACKING_URI = "http://mlflow.${local.name}.local:${local.ports.mlflow}"
        MODEL_NAME          = var.model_name
        DATA_BUCKET         = module.s3.bucket_names["data"]
      }
    }
  }
}
