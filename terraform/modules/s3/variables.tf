variable "buckets" {
  description = "Buckets to manage, key -> bucket name (keys: artifacts, data)."
  type        = map(string)
  nullable    = false

  validation {
    condition     = alltrue([for n in values(var.buckets) : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", n))])
    error_message = "Bucket names must be 3-63 lowercase letters, digits, dots or hyphens."
  }
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets (local labs only)."
  type        = bool
  default     = false
}

variable "sse_algorithm" {
  description = "Default encryption: AES256 (S3-managed) or aws:kms."
  type        = string
  default     = "AES256"

  validation {
    condition     = contains(["AES256", "aws:kms"], var.sse_algorithm)
    error_message = "sse_algorithm must be AES256 or aws:kms."
  }
}

variable "kms_key_arn" {
  description = "KMS key for aws:kms encryption; null uses the AWS-managed aws/s3 key."
  type        = string
  default     = null
}

variable "expire_prefixes" {
  description = "Per bucket key: object prefix -> days after which current objects expire (e.g. production embeddings)."
  type        = map(map(number))
  default     = {}
}

variable "noncurrent_version_expiration_days" {
  description = "Days to keep superseded object versions."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
