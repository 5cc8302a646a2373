variable "name" {
  description = "Function name (project-environment-drift)."
  type        = string
  nullable    = false
}

variable "zip_path" {
  description = "Deployment package built by `make drift-zip` (build/drift-lambda.zip)."
  type        = string
  nullable    = false
}

variable "handler" {
  description = "Handler of the drift function."
  type        = string
  default     = "drift.handler.lambda_handler"
}

variable "runtime" {
  description = "Lambda Python runtime."
  type        = string
  default     = "python3.13"

  validation {
    condition     = can(regex("^python3\\.(1[0-9])$", var.runtime))
    error_message = "runtime must be a python3.1x Lambda runtime."
  }
}

variable "timeout_s" {
  description = "Function timeout in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 900
    error_message = "timeout_s must be between 1 and 900."
  }
}

variable "memory_mb" {
  description = "Function memory in MB."
  type        = number
  default     = 1024
}

variable "schedule_expression" {
  description = "EventBridge schedule of the drift run."
  type        = string
  default     = "cron(0 2 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(...) or rate(...)."
  }
}

variable "data_bucket_name" {
  description = "Bucket holding training_embeddings/, production_embeddings/ and drift_results/."
  type        = string
  nullable    = false
}

variable "data_bucket_arn" {
  description = "ARN of the data bucket."
  type        = string
  nullable    = false
}

variable "sns_topic_arn" {
  description = "Topic the function publishes drift alerts to."
  type        = string
  nullable    = false
}

variable "metric_namespace" {
  description = "CloudWatch namespace the function may put its metrics in (DriftDetected...)."
  type        = string
  default     = "obslab/Drift"
}

variable "environment" {
  description = "Extra environment: drift thresholds (DRIFT_*), and locally AWS_ENDPOINT_URL / PUSHGATEWAY_URL."
  type        = map(string)
  default     = {}
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions (-1 = unreserved). One daily run needs 1."
  type        = number
  default     = 1
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active or PassThrough."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "log_retention_days" {
  description = "Retention of /aws/lambda/<name>."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
