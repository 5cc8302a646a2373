variable "name" {
  description = "Name prefix of topic, alarms and dashboard (project-environment)."
  type        = string
  nullable    = false
}

variable "alerts" {
  description = "The lab's alert definitions (observability/alerts.yaml `alerts`, passed through yamldecode); extra keys are ignored."
  type = list(object({
    name      = string
    severity  = string
    threshold = number
    unit      = string
    cloudwatch = object({
      namespace          = string
      metric_name        = string
      statistic          = string
      period_s           = number
      evaluation_periods = number
      comparison         = string
    })
  }))
  nullable = false

  validation {
    condition     = length(distinct([for a in var.alerts : a.name])) == length(var.alerts)
    error_message = "Alert names must be unique."
  }

  validation {
    condition     = alltrue([for a in var.alerts : contains(["critical", "warning"], a.severity)])
    error_message = "Alert severity must be critical or warning."
  }

  validation {
    condition = alltrue([for a in var.alerts : contains([
      "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"
    ], a.cloudwatch.comparison)])
    error_message = "cloudwatch.comparison must be one of GreaterThan[OrEqualTo]Threshold, LessThan[OrEqualTo]Threshold."
  }

  validation {
    condition     = alltrue([for a in var.alerts : contains(["Average", "Sum", "Minimum", "Maximum", "SampleCount"], a.cloudwatch.statistic)])
    error_message = "cloudwatch.statistic must be Average, Sum, Minimum, Maximum or SampleCount."
  }

  validation {
    condition     = alltrue([for a in var.alerts : a.cloudwatch.period_s >= 10 && a.cloudwatch.evaluation_periods >= 1])
    error_message = "cloudwatch.period_s must be >= 10 and evaluation_periods >= 1."
  }
}

variable "dimensions_by_namespace" {
  description = "CloudWatch dimensions per metric namespace (e.g. AWS/ECS -> {ClusterName, ServiceName}); namespaces without an entry get none."
  type        = map(map(string))
  default     = {}
}

variable "alert_email" {
  description = "Email subscribed to the alert topic (confirmation needed); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alert_email == null || can(regex("^[^@\\s]+@[^@\\s]+$", var.alert_email))
    error_message = "alert_email must look like an email address."
  }
}

variable "pagerduty_endpoint" {
  description = "PagerDuty (Events API v2 / CloudWatch integration) HTTPS URL subscribed to the topic; null for none."
  type        = string
  default     = null
  sensitive   = true
}

variable "training_log_group_name" {
  description = "Log group of the training job; null creates /obslab/<name>/training here (local labs)."
  type        = string
  default     = null
}

variable "training_metric_namespace" {
  description = "Namespace of the metrics the training log filters emit; an alert must watch its failure metric."
  type        = string
  default     = "obslab/Training"
}

variable "training_failure_metric" {
  description = "Metric counting failed training runs (watched by an alert in `alerts`)."
  type        = string
  default     = "TrainingJobFailures"
}

variable "training_success_metric" {
  description = "Metric counting successful training runs."
  type        = string
  default     = "TrainingJobSuccesses"
}

variable "training_failure_pattern" {
  description = "Log filter pattern of a failed training run (training logs one JSON line per run)."
  type        = string
  default     = "{ $.event = \"training_run\" && $.status = \"failure\" }"
}

variable "training_success_pattern" {
  description = "Log filter pattern of a successful training run."
  type        = string
  default     = "{ $.event = \"training_run\" && $.status = \"success\" }"
}

variable "log_retention_days" {
  description = "Retention of the training log group when created here."
  type        = number
  default     = 30
}

variable "tag_alarms" {
  description = "Tag the alarms (tags + Severity); false where the API drops alarm tags (LocalStack 4.14)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
