# The monitoring module on its own, mocked provider: alarms follow the alert definition, bad
# definitions are refused.

mock_provider "aws" {
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:obslab-test-alerts" }
  }
}

variables {
  name        = "obslab-test"
  alerts      = yamldecode(file("../../../observability/alerts.yaml")).alerts
  alert_email = "oncall@example.com"
}

run "alarms_follow_alerts_yaml" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == length(var.alerts)
    error_message = "one alarm per alert"
  }
  assert {
    condition = alltrue([for a in var.alerts :
      aws_cloudwatch_metric_alarm.this[a.name].threshold == a.threshold
      && aws_cloudwatch_metric_alarm.this[a.name].comparison_operator == a.cloudwatch.comparison
      && aws_cloudwatch_metric_alarm.this[a.name].period == a.cloudwatch.period_s
    && aws_cloudwatch_metric_alarm.this[a.name].evaluation_periods == a.cloudwatch.evaluation_periods])
    error_message = "alarm threshold, comparison and periods must come from the alert definition"
  }
  assert {
    condition     = aws_cloudwatch_log_metric_filter.training["failure"].metric_transformation[0].name == "TrainingJobFailures"
    error_message = "the training failure filter feeds the metric the TrainingJobFailed alert watches"
  }
  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && length(aws_sns_topic_subscription.pagerduty) == 0
    error_message = "email subscription; PagerDuty only when an endpoint is given"
  }
}

run "rejects_unknown_severity" {
  command = plan
  variables {
    alerts = [for a in yamldecode(file("../../../observability/alerts.yaml")).alerts : merge(a, { severity = "info" })]
  }
  expect_failures = [var.alerts]
}

run "rejects_unwatched_training_metric" {
  command = plan
  variables {
    training_failure_metric = "NotWatchedByAnyAlert"
  }
  expect_failures = [aws_cloudwatch_log_metric_filter.training]
}
