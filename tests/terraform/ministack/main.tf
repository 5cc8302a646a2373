# Smoke root for tests/terraform/test_ministack.py: the prod-only modules (networking, ECR, RDS,
# ALB + ACM + WAFv2, ECS + Cloud Map + autoscaling) applied to ministack, an emulator that serves the
# APIs LocalStack Community answers 501 for. It checks API shapes, not AWS behaviour.
terraform {
  required_version = ">= 1.7"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
  backend "local" {}
}

variable "endpoint" {
  description = "ministack URL."
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    acm                    = var.endpoint
    applicationautoscaling = var.endpoint
    cloudwatchlogs         = var.endpoint
    ec2                    = var.endpoint
    ecr                    = var.endpoint
    ecs                    = var.endpoint
    elbv2                  = var.endpoint
    iam                    = var.endpoint
    rds                    = var.endpoint
    s3                     = var.endpoint
    secretsmanager         = var.endpoint
    servicediscovery       = var.endpoint
    sts                    = var.endpoint
    wafv2                  = var.endpoint
  }
}

locals {
  name = "mstest-prod"
}

module "networking" {
  source = "../../../terraform/modules/networking"
  name   = local.name
  azs    = ["us-east-1a", "us-east-1b"]
}

module "ecr" {
  source = "../../../terraform/modules/ecr"
  name   = local.name
}

module "security" {
  source                      = "../../../terraform/modules/security"
  name                        = local.name
  artifacts_bucket_arn        = "arn:aws:s3:::mstest-artifacts"
  data_bucket_arn             = "arn:aws:s3:::mstest-data"
  secret_recovery_window_days = 0
}

module "rds" {
  source              = "../../../terraform/modules/rds"
  name                = local.name
  subnet_ids          = module.networking.private_subnet_ids
  security_group_id   = module.networking.security_group_ids["db"]
  deletion_protection = false
  multi_az            = false
}

module "alb" {
  source              = "../../../terraform/modules/alb"
  name                = local.name
  vpc_id              = module.networking.vpc_id
  subnet_ids          = module.networking.public_subnet_ids
  security_group_id   = module.networking.security_group_ids["alb"]
  domain_name         = "ml.example.com"
  deletion_protection = false
}

module "ecs" {
  source             = "../../../terraform/modules/ecs"
  name               = local.name
  region             = "us-east-1"
  vpc_id             = module.networking.vpc_id
  subnet_ids         = module.networking.private_subnet_ids
  security_group_id  = module.networking.security_group_ids["app"]
  execution_role_arn = module.security.execution_role_arn
  task_role_arns     = module.security.task_role_arns
  target_group_arns  = module.alb.target_group_arns
  enable_autoscaling = false # ministack 1.5.33 has no Application Auto Scaling
  workloads = {
    serving  = { image = "${module.ecr.repository_urls["serving"]}:smoke", cpu = 512, memory = 1024, port = 8000, xray_sidecar = true }
    mlflow   = { image = "${module.ecr.repository_urls["mlflow"]}:smoke", cpu = 512, memory = 1024, port = 5000 }
    training = { image = "${module.ecr.repository_urls["training"]}:smoke", cpu = 1024, memory = 2048, run_as_service = false }
  }
}
