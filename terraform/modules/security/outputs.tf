output "api_key_secret_arn" {
  description = "ARN of the serving API key secret."
  value       = aws_secretsmanager_secret.api_key.arn
}

output "execution_role_arn" {
  description = "ECS task execution role (pull images, write logs, read task secrets)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role per workload: serving, mlflow, training."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "task_role_policies" {
  description = "Inline policy document (JSON) per task role, for review and tests."
  value       = { for k, p in aws_iam_role_policy.task : k => p.policy }
}
