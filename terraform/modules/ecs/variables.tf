variable "name" {
  description = "Name prefix: cluster, services, log groups (project-environment)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "AWS region (awslogs driver)."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the Cloud Map private DNS namespace."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)
  nullable    = false
}

variable "security_group_id" {
  description = "App security group attached to every task."
  type        = string
  nullable    = false
}

variable "execution_role_arn" {
  description = "ECS task execution role."
  type        = string
  nullable    = false
}

variable "task_role_arns" {
  description = "Task role by workload key."
  type        = map(string)
  nullable    = false
}

variable "target_group_arns" {
  description = "ALB target group by workload key (workloads without one are not load balanced)."
  type        = map(string)
  default     = {}
}

variable "workloads" {
  description = "Task definitions; run_as_service = false gives a task definition only (batch jobs such as training)."
  type = map(object({
    image          = string
    cpu            = number
    memory         = number
    port           = optional(number)
    command        = optional(list(string))
    environment    = optional(map(string), {})
    secrets        = optional(map(string), {})
    run_as_service = optional(bool, true)
    desired_count  = optional(number, 1)
    min_count      = optional(number, 1)
    max_count      = optional(number, 4)
    xray_sidecar   = optional(bool, false)
  }))
  nullable = false
}

variable "container_insights" {
  description = "Container Insights on the cluster."
  type        = bool
  default     = true
}

variable "enable_autoscaling" {
  description = "CPU target-tracking autoscaling of the services (off only for emulators without Application Auto Scaling)."
  type        = bool
  default     = true
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation of the services' target-tracking autoscaling."
  type        = number
  default     = 80

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent <= 100
    error_message = "cpu_target_percent must be in (0, 100]."
  }
}

variable "deployment_controller" {
  description = "ECS (rolling update with circuit-breaker rollback) or CODE_DEPLOY (blue/green through CodeDeploy)."
  type        = string
  default     = "ECS"

  validation {
    condition     = contains(["ECS", "CODE_DEPLOY"], var.deployment_controller)
    error_message = "deployment_controller must be ECS or CODE_DEPLOY."
  }
}

variable "xray_daemon_image" {
  description = "Image of the X-Ray daemon sidecar."
  type        = string
  default     = "public.ecr.aws/xray/aws-xray-daemon:3.3.14"
}

variable "log_retention_days" {
  description = "Retention of the containers' log groups."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
