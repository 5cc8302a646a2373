output "name" {
  description = "Name prefix of every resource (project-environment)."
  value       = local.name
}

output "bucket_names" {
  description = "Bucket names by role."
  value       = module.s3.bucket_names
}

output "sns_topic_arn" {
  description = "Alert topic."
  value       = module.monitoring.sns_topic_arn
}

output "alarms" {
  description = "CloudWatch alarms by alert name."
  value       = module.monitoring.alarms
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

output "drift_lambda" {
  description = "Drift function name, schedule and environment."
  value = {
    function_name = module.lambda.function_name
    function_arn  = module.lambda.function_arn
    schedule      = module.lambda.schedule_expression
    environment   = module.lambda.environment
  }
}

output "api_key_secret_arn" {
  description = "Secret holding the serving API key."
  value       = module.security.api_key_secret_arn
}

output "task_role_policies" {
  description = "Inline policy (JSON) of each ECS task role."
  value       = module.security.task_role_policies
}

output "alb" {
  description = "Load balancer summary (null when disabled)."
  value = var.enable_alb ? {
    dns_name        = module.alb[0].dns_name
    certificate_arn = module.alb[0].certificate_arn
    listeners       = module.alb[0].listeners
    health_checks   = module.alb[0].target_group_health_checks
    target_groups   = module.alb[0].target_group_arns
    waf             = module.alb[0].waf
    arn             = module.alb[0].arn
  } : null
}

output "ecs" {
  description = "ECS summary (null when disabled)."
  value = var.enable_ecs ? {
    cluster_name          = module.ecs[0].cluster_name
    cluster_settings      = module.ecs[0].cluster_settings
    services              = module.ecs[0].services
    container_definitions = module.ecs[0].container_definitions
    task_role_arns        = module.ecs[0].task_role_arns
    autoscaling           = module.ecs[0].autoscaling
    namespace             = module.ecs[0].namespace
  } : null
}

output "rds" {
  description = "Database identifier and secret (null when disabled)."
  value       = var.enable_rds ? { identifier = module.rds[0].identifier, address = module.rds[0].address, secret_arn = module.rds[0].master_user_secret_arn } : null
}

output "ecr_repository_urls" {
  description = "ECR repositories (empty when disabled)."
  value       = var.enable_ecr ? module.ecr[0].repository_urls : {}
}

output "security_role_arns" {
  description = "Task role ARNs from the security module (to compare with the task definitions)."
  value       = module.security.task_role_arns
}
