locals {
  alerts         = { for a in var.alerts : a.name => a }
  training_group = var.training_log_group_name != null ? var.training_log_group_name : aws_cloudwatch_log_group.training[0].name
  comparison_sign = {
    GreaterThanThreshold          = ">"
    GreaterThanOrEqualToThreshold = ">="
    LessThanThreshold             = "<"
    LessThanOrEqualToThreshold    = "<="
  }
}

################################################################################
# Notifications
################################################################################

resource "aws_sns_topic" "alerts" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key; alerts carry no secrets
  name = "${var.name}-alerts"
  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alert_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_sns_topic_subscription" "pagerduty" {
  count                  = var.pagerduty_endpoint == null ? 0 : 1
  topic_arn              = aws_sns_topic.alerts.arn
  protocol               = "https"
  endpoint               = var.pagerduty_endpoint
  endpoint_auto_confirms = true
}

################################################################################
# Alarms: one per alert definition, thresholds taken as they are
################################################################################

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alerts
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.severity}: ${each.value.cloudwatch.metric_name} ${local.comparison_sign[each.value.cloudwatch.comparison]} ${each.value.threshold} ${each.value.unit} (observability/alerts.yaml: ${each.key})"
  namespace           = each.value.cloudwatch.namespace
  metric_name         = each.value.cloudwatch.metric_name
  statistic           = each.value.cloudwatch.statistic
  period              = each.value.cloudwatch.period_s
  evaluation_periods  = each.value.cloudwatch.evaluation_periods
  comparison_operator = each.value.cloudwatch.comparison
  threshold           = each.value.threshold
  dimensions          = lookup(var.dimensions_by_namespace, each.value.cloudwatch.namespace, null)
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tag_alarms ? merge(var.tags, { Severity = each.value.severity }) : null
}

################################################################################
# Training success/failure from the training job's logs
################################################################################

resource "aws_cloudwatch_log_group" "training" {
  count             = var.training_log_group_name == null ? 1 : 0
  name              = "/obslab/${var.name}/training"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_cloudwatch_log_metric_filter" "training" {
  for_each = {
    failure = { pattern = var.training_failure_pattern, metric = var.training_failure_metric }
    success = { pattern = var.training_success_pattern, metric = var.training_success_metric }
  }
  name           = "${var.name}-training-${each.key}"
  log_group_name = local.training_group
  pattern        = each.value.pattern

  metric_transformation {
    name          = each.value.metric
    namespace     = var.training_metric_namespace
    value         = "1"
    default_value = "0"
  }

  lifecycle {
    precondition {
      condition     = anytrue([for a in var.alerts : a.cloudwatch.namespace == var.training_metric_namespace && a.cloudwatch.metric_name == var.training_failure_metric])
      error_message = "No alert watches ${var.training_metric_namespace}/${var.training_failure_metric}: the training failure filter would feed nothing."
    }
  }
}

################################################################################
# Dashboard: one graph per alert with its threshold line
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for i, a in var.alerts : {
        type   = "metric"
        x      = (i % 2) * 12
        y      = floor(i / 2) * 6
        width  = 12
        height = 6
        properties = {
          title  = "${a.name} (${a.severity})"
          view   = "timeSeries"
          region = data.aws_region.current.name
          stat   = a.cloudwatch.statistic
          period = a.cloudwatch.period_s
          metrics = [concat(
            [a.cloudwatch.namespace, a.cloudwatch.metric_name],
            flatten([for k, v in lookup(var.dimensions_by_namespace, a.cloudwatch.namespace, {}) : [k, v]])
          )]
          annotations = { horizontal = [{ label = "alarm threshold", value = a.threshold }] }
        }
      }
    ]
  })
}

data "aws_region" "current" {}
