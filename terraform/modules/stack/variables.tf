################################################################################
# Identity
################################################################################

variable "project" {
  description = "Project name, first part of every resource name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name, second part of every resource name."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["local", "dev", "staging", "prod"], var.environment)
    error_message = "environment must be local, dev, staging or prod."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "tag_alarms" {
  description = "Tag CloudWatch alarms (false on LocalStack 4.14, which drops alarm tags)."
  type        = bool
  default     = true
}

################################################################################
# Switches: LocalStack Community answers 501 for the prod-only services
################################################################################

variable "enable_networking" {
  description = "VPC, subnets, NAT, security groups (forced on by enable_alb/enable_ecs/enable_rds)."
  type        = bool
  default     = true
}

variable "enable_ecr" {
  description = "ECR repositories."
  type        = bool
  default     = true
}

variable "enable_rds" {
  description = "RDS PostgreSQL for MLflow."
  type        = bool
  default     = true
}

variable "enable_alb" {
  description = "ALB, ACM certificate and WAFv2."
  type        = bool
  default     = true
}

variable "enable_ecs" {
  description = "ECS Fargate cluster, services, X-Ray sidecar, Cloud Map, autoscaling."
  type        = bool
  default     = true
}

################################################################################
# Data and alerts
################################################################################

variable "bucket_names" {
  description = "Bucket names by role: artifacts, data."
  type        = object({ artifacts = string, data = string })
  nullable    = false
}

variable "force_destroy_buckets" {
  description = "Allow destroying non-empty buckets (local labs only)."
  type        = bool
  default     = false
}

variable "production_embeddings_expiration_days" {
  description = "Days production embeddings are kept in the data bucket."
  type        = number
  default     = 90
}

variable "alerts" {
  description = "observability/alerts.yaml `alerts`, passed through yamldecode (see the monitoring module)."
  type        = any
  nullable    = false
}

variable "alert_email" {
  description = "Email subscribed to the alert topic; null for none."
  type        = string
  default     = null
}

variable "pagerduty_endpoint" {
  description = "PagerDuty HTTPS integration URL subscribed to the alert topic; null for none."
  type        = string
  default     = null
  sensitive   = true
}

################################################################################
# Drift Lambda
################################################################################

variable "lambda_zip_path" {
  description = "Drift Lambda package (build/drift-lambda.zip from `make drift-zip`)."
  type        = string
  nullable    = false
}

variable "drift_function_name" {
  description = "Name of the drift Lambda; null = <project>-<environment>-drift."
  type        = string
  default     = null
}

variable "drift_environment" {
  description = "Extra environment of the drift Lambda: DRIFT_* thresholds, and locally AWS_ENDPOINT_URL / PUSHGATEWAY_URL."
  type        = map(string)
  default     = {}
}

variable "drift_schedule" {
  description = "EventBridge schedule of the drift run."
  type        = string
  default     = "cron(0 2 * * ? *)"
}

################################################################################
# Prod-only settings
################################################################################

variable "azs" {
  description = "Availability zones (two at least)."
  type        = list(string)
  default     = []
}

variable "vpc_cidr" {
  description = "VPC CIDR block."
  type        = string
  default     = "10.20.0.0/16"
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway instead of one per AZ."
  type        = bool
  default     = true
}

variable "domain_name" {
  description = "Public domain of the serving endpoint (MLflow at mlflow.<domain>)."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "Existing ACM certificate; null requests one for domain_name."
  type        = string
  default     = null
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes per IP above which WAF blocks."
  type        = number
  default     = 2000
}

variable "image_tag" {
  description = "Image tag deployed from the ECR repositories."
  type        = string
  default     = "latest"
}

variable "images" {
  description = "Image per workload (serving, mlflow, training); unset ones use <ECR repository>:<image_tag>."
  type        = map(string)
  default     = {}
}

variable "model_name" {
  description = "MLflow registered model served (alias champion)."
  type        = string
  default     = "obslab-digits"
}

variable "serving" {
  description = "Serving service size and scaling."
  type = object({
    cpu       = optional(number, 1024)
    memory    = optional(number, 2048)
    min_count = optional(number, 2)
    max_count = optional(number, 10)
  })
  default = {}
}

variable "cpu_target_percent" {
  description = "Target average CPU of ECS services' autoscaling."
  type        = number
  default     = 80
}

variable "deployment_controller" {
  description = "ECS (rolling, circuit breaker) or CODE_DEPLOY (blue/green)."
  type        = string
  default     = "ECS"
}

variable "rds" {
  description = "RDS settings."
  type = object({
    instance_class      = optional(string, "db.t4g.small")
    multi_az            = optional(bool, true)
    deletion_protection = optional(bool, true)
  })
  default = {}
}

variable "api_key" {
  description = "Serving API key stored in Secrets Manager; null leaves the value to be set out of band."
  type        = string
  default     = null
  sensitive   = true
}

variable "secret_recovery_window_days" {
  description = "Recovery window of deleted secrets (0 for local labs)."
  type        = number
  default     = 7
}

variable "log_retention_days" {
  description = "Retention of every log group."
  type        = number
  default     = 30
}
