output "alb_dns_name" {
  description = "Point the domain (and mlflow.<domain>) at this name."
  value       = module.obslab.alb == null ? null : module.obslab.alb.dns_name
}

output "ecr_repository_urls" {
  description = "Push images here."
  value       = module.obslab.ecr_repository_urls
}

output "sns_topic_arn" {
  description = "Alert topic."
  value       = module.obslab.sns_topic_arn
}

output "drift_lambda" {
  description = "Drift function name, schedule and environment."
  value       = module.obslab.drift_lambda
}

output "summary" {
  description = "ALB, ECS, RDS and alarm summaries (also what the terraform tests assert)."
  value = {
    alb                = module.obslab.alb
    ecs                = module.obslab.ecs
    rds                = module.obslab.rds
    alarms             = module.obslab.alarms
    task_role_policies = module.obslab.task_role_policies
    security_roles     = module.obslab.security_role_arns
  }
}
