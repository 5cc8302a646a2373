output "drift_lambda" {
  description = "Drift function name, schedule and environment."
  value       = module.obslab.drift_lambda
}

output "sns_topic_arn" {
  description = "Alert topic."
  value       = module.obslab.sns_topic_arn
}

output "alarms" {
  description = "CloudWatch alarms by alert name."
  value       = module.obslab.alarms
}

output "bucket_names" {
  description = "Buckets by role."
  value       = module.obslab.bucket_names
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.obslab.dashboard_name
}
