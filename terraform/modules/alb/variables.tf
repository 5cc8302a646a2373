variable "name" {
  description = "Name prefix (project-environment); ALB names are capped at 32 characters."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) <= 26
    error_message = "name must be at most 26 characters (target group names add a suffix, max 32)."
  }
}

variable "vpc_id" {
  description = "VPC of the target groups."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Public subnets for the load balancer."
  type        = list(string)
  nullable    = false
}

variable "security_group_id" {
  description = "ALB security group (80/443 in)."
  type        = string
  nullable    = false
}

variable "domain_name" {
  description = "Public domain of the serving endpoint; an ACM certificate is requested for it (and *.domain) unless certificate_arn is given."
  type        = string
  nullable    = false
}

variable "certificate_arn" {
  description = "Existing ACM certificate; null requests one for domain_name (DNS validation done out of band)."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "targets" {
  description = "Target groups: port, health check path, and the host header routed to it (null = default action)."
  type = map(object({
    port              = number
    health_check_path = string
    host_header       = optional(string)
    priority          = optional(number, 100)
  }))
  default = {
    serving = { port = 8000, health_check_path = "/health" }
    mlflow  = { port = 5000, health_check_path = "/health", host_header = "mlflow", priority = 10 }
  }
}

variable "default_target" {
  description = "Key of `targets` the HTTPS listener forwards to by default."
  type        = string
  default     = "serving"
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes per client IP above which WAF blocks."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "waf_rate_limit must be at least 100 (the WAFv2 minimum)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Bucket for ALB access logs (needs the ELB log delivery policy); null disables them."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
