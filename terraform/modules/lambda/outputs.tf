output "function_name" {
  description = "Name of the drift function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the drift function."
  value       = aws_lambda_function.this.arn
}

output "schedule_expression" {
  description = "EventBridge schedule that invokes it."
  value       = aws_cloudwatch_event_rule.schedule.schedule_expression
}

output "environment" {
  description = "Environment variables of the function."
  value       = aws_lambda_function.this.environment[0].variables
}

output "log_group_name" {
  description = "Log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}
