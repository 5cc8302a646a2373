variable "localstack_endpoint" {
  description = "URL of the lab's LocalStack (`make tf-local` passes settings.localstack_url)."
  type        = string
  default     = "http://127.0.0.1:4566"

  validation {
    condition     = can(regex("^http://(127\\.0\\.0\\.1|localhost):[0-9]+$", var.localstack_endpoint))
    error_message = "localstack_endpoint must be http://127.0.0.1:<port> (the lab never binds other addresses)."
  }
}

variable "region" {
  description = "Region LocalStack emulates (settings.aws_region)."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Name prefix of the resources Terraform creates here."
  type        = string
  default     = "obslab"
}

variable "bucket_names" {
  description = "The lab's buckets (settings.artifacts_bucket, settings.data_bucket)."
  type        = object({ artifacts = string, data = string })
  default     = { artifacts = "obslab-artifacts", data = "obslab-data" }
}

variable "adopt_existing" {
  description = "Lab resources that already exist in LocalStack and are imported instead of created: artifacts and data (the buckets the native runtime creates), drift_function and drift_log_group (left by `make drift`). `make tf-local` probes LocalStack to fill it."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.adopt_existing : contains(["artifacts", "data", "drift_function", "drift_log_group"], k)])
    error_message = "adopt_existing may only contain artifacts, data, drift_function and drift_log_group."
  }
}

variable "drift_function_name" {
  description = "Name of the drift Lambda: the drift CLI's default, so `make drift` invokes the function Terraform deployed."
  type        = string
  default     = "obslab-drift-detector"
}

variable "alerts_file" {
  description = "The lab's single alert definition; null = observability/alerts.yaml of this repository."
  type        = string
  default     = null
}

variable "lambda_zip_path" {
  description = "Drift Lambda package; null = build/drift-lambda.zip of this repository (`make drift-zip`)."
  type        = string
  default     = null
}

variable "pushgateway_url" {
  description = "Pushgateway the drift Lambda pushes its metrics to (settings.pushgateway_url); null for none."
  type        = string
  default     = null
}

variable "drift_environment" {
  description = "Drift thresholds (DRIFT_*) overriding the drift package's defaults."
  type        = map(string)
  default     = {}
}
