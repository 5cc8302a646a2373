variable "project" {
  description = "Project name, first part of every resource name."
  type        = string
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "prod"
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "azs" {
  description = "Availability zones (two at least)."
  type        = list(string)
}

variable "domain_name" {
  description = "Public domain of the serving endpoint (MLflow at mlflow.<domain>)."
  type        = string
}

variable "certificate_arn" {
  description = "Existing ACM certificate; null requests one for domain_name."
  type        = string
  default     = null
}

variable "alert_email" {
  description = "Email subscribed to the alert topic."
  type        = string
}

variable "pagerduty_endpoint" {
  description = "PagerDuty HTTPS integration URL; null for none. Pass with TF_VAR_pagerduty_endpoint, never in tfvars."
  type        = string
  default     = null
  sensitive   = true
}

variable "bucket_names" {
  description = "Bucket names by role (globally unique)."
  type        = object({ artifacts = string, data = string })
}

variable "image_tag" {
  description = "Image tag deployed from ECR."
  type        = string
  default     = "latest"
}

variable "alerts_file" {
  description = "The single alert definition; null = observability/alerts.yaml of this repository."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "Drift Lambda package; null = build/drift-lambda.zip of this repository (`make drift-zip`)."
  type        = string
  default     = null
}

variable "drift_environment" {
  description = "Drift thresholds (DRIFT_*) overriding the drift package's defaults."
  type        = map(string)
  default     = {}
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes per IP above which WAF blocks."
  type        = number
  default     = 2000
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

variable "rds" {
  description = "RDS settings."
  type = object({
    instance_class      = optional(string, "db.t4g.small")
    multi_az            = optional(bool, true)
    deletion_protection = optional(bool, true)
  })
  default = {}
}
