variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
  nullable    = false
}

variable "artifacts_bucket_arn" {
  description = "ARN of the MLflow artifacts bucket."
  type        = string
  nullable    = false
}

variable "data_bucket_arn" {
  description = "ARN of the data bucket (training and production embeddings, drift results)."
  type        = string
  nullable    = false
}

variable "api_key" {
  description = "Serving API key to store. Null creates the secret without a value (set it out of band, e.g. `aws secretsmanager put-secret-value`), which keeps it out of Terraform state."
  type        = string
  default     = null
  sensitive   = true
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored; 0 deletes at once (local labs)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the secret; null uses the AWS-managed key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "extra_execution_secret_arns" {
  description = "Other secrets ECS may inject into containers (e.g. the RDS-managed master secret)."
  type        = list(string)
  default     = []
}
