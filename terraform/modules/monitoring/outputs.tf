output "sns_topic_arn" {
  description = "Topic every alarm notifies (email, optional PagerDuty)."
  value       = aws_sns_topic.alerts.arn
}

output "alarms" {
  description = "Alarm settings by alert name, for review and tests against observability/alerts.yaml."
  value = {
    for k, a in aws_cloudwatch_metric_alarm.this : k => {
      alarm_name         = a.alarm_name
      namespace          = a.namespace
      metric_name        = a.metric_name
      statistic          = a.statistic
      period_s           = a.period
      evaluation_periods = a.evaluation_periods
      comparison         = a.comparison_operator
      threshold          = a.threshold
      dimensions         = a.dimensions == null ? tomap({}) : a.dimensions
    }
  }
}

output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "training_log_group_name" {
  description = "Log group the training metric filters read."
  value       = local.training_group
}
