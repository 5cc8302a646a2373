output "cluster_name" {
  description = "ECS cluster name (CloudWatch dimension ClusterName)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_settings" {
  description = "Cluster settings (containerInsights...)."
  value       = { for s in aws_ecs_cluster.this.setting : s.name => s.value }
}

output "service_names" {
  description = "Service name by workload key."
  value       = { for k, s in aws_ecs_service.this : k => s.name }
}

output "services" {
  description = "Per service: deployment controller, circuit breaker, Cloud Map registry, load balancer."
  value = {
    for k, s in aws_ecs_service.this : k => {
      deployment_controller = s.deployment_controller[0].type
      circuit_breaker       = length(s.deployment_circuit_breaker) > 0 ? s.deployment_circuit_breaker[0] : null
      registry_arn          = s.service_registries[0].registry_arn
      target_group_arns     = [for lb in s.load_balancer : lb.target_group_arn]
    }
  }
}

output "task_definition_arns" {
  description = "Task definition ARN by workload key (training is run with `aws ecs run-task`)."
  value       = { for k, t in aws_ecs_task_definition.this : k => t.arn }
}

output "container_definitions" {
  description = "Decoded container definitions by workload key."
  value       = { for k, t in aws_ecs_task_definition.this : k => jsondecode(t.container_definitions) }
}

output "task_role_arns" {
  description = "Task role ARN by workload key, as set on the task definitions."
  value       = { for k, t in aws_ecs_task_definition.this : k => t.task_role_arn }
}

output "autoscaling" {
  description = "Per service: capacity range and target CPU percent."
  value = {
    for k, p in aws_appautoscaling_policy.cpu : k => {
      min_capacity = aws_appautoscaling_target.this[k].min_capacity
      max_capacity = aws_appautoscaling_target.this[k].max_capacity
      metric       = p.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type
      target_value = p.target_tracking_scaling_policy_configuration[0].target_value
    }
  }
}

output "log_group_names" {
  description = "CloudWatch log group by workload key."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}

output "namespace" {
  description = "Cloud Map private DNS namespace (services resolve as <name>.<namespace>)."
  value       = aws_service_discovery_private_dns_namespace.this.name
}
