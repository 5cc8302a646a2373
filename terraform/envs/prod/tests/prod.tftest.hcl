# What production must contain, checked on a full apply against a mocked aws provider (no AWS calls).
# Run from envs/prod with the prod values: terraform test -var-file=prod.tfvars (make tf-check does).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-west-2" }
  }

  # The provider validates ARN arguments even when mocked: give the referenced ARNs a valid shape.
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/ml-pipeline-prod/1", arn_suffix = "app/ml-pipeline-prod/1" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/ml-pipeline-prod-servi/1", arn_suffix = "targetgroup/ml-pipeline-prod-servi/1" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/ml-pipeline-prod/1/1" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:us-west-2:123456789012:certificate/mock" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:us-west-2:123456789012:regional/webacl/ml-pipeline-prod-alb/1" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-west-2:123456789012:ml-pipeline-prod-alerts" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-west-2:123456789012:log-group:mock" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-west-2:123456789012:function:ml-pipeline-prod-drift" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-west-2:123456789012:rule/ml-pipeline-prod-drift-schedule" }
  }
  mock_resource "aws_service_discovery_service" {
    defaults = { arn = "arn:aws:servicediscovery:us-west-2:123456789012:service/srv-mock" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-west-2:123456789012:cluster/ml-pipeline-prod" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-west-2:123456789012:task-definition/mock:1" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock" }
  }

  # Computed blocks the configuration indexes into: give them a value.
  mock_resource "aws_db_instance" {
    defaults = {
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-mock", kms_key_id = "", secret_status = "active" }]
      address            = "ml-pipeline-prod.mock.us-west-2.rds.amazonaws.com"
      port               = 5432
    }
  }
}

# Distinct ARNs where an assertion compares two of them.
override_resource {
  target = module.obslab.module.alb[0].aws_lb_target_group.this["mlflow"]
  values = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/ml-pipeline-prod-mlflo/2" }
}

override_resource {
  target = module.obslab.module.security.aws_iam_role.task["serving"]
  values = { arn = "arn:aws:iam::123456789012:role/ml-pipeline-prod-serving-task" }
}

variables {
  # The same file the envs read: the alarms must equal it.
  expected_alerts = yamldecode(file("../../../observability/alerts.yaml")).alerts
}

run "prod" {
  command = apply

  # ---- ALB: HTTPS with the ACM certificate, HTTP redirects ------------------------------------
  assert {
    condition     = module.obslab.alb.listeners.https.port == 443 && module.obslab.alb.listeners.https.protocol == "HTTPS"
    error_message = "the ALB must listen with HTTPS on 443"
  }
  assert {
    condition     = module.obslab.alb.listeners.https.certificate_arn == module.obslab.alb.certificate_arn && module.obslab.alb.certificate_arn != null
    error_message = "the HTTPS listener must use the module's ACM certificate"
  }
  assert {
    condition = (module.obslab.alb.listeners.http.port == 80 && module.obslab.alb.listeners.http.action == "redirect"
      && module.obslab.alb.listeners.http.redirect_to == "HTTPS" && module.obslab.alb.listeners.http.redirect_port == "443"
    && module.obslab.alb.listeners.http.status_code == "HTTP_301")
    error_message = "port 80 must answer 301 to HTTPS:443"
  }
  assert {
    condition     = module.obslab.alb.listeners.https.target_group == module.obslab.alb.target_groups["serving"]
    error_message = "HTTPS must forward to the serving target group by default"
  }

  # ---- Target groups: MLflow :5000 and serving :8000 with health checks -----------------------
  assert {
    condition = (module.obslab.alb.health_checks["serving"].port == 8000 && module.obslab.alb.health_checks["serving"].path == "/health"
    && module.obslab.alb.health_checks["serving"].enabled && module.obslab.alb.health_checks["serving"].matcher == "200")
    error_message = "serving target group: port 8000, health check GET /health expecting 200"
  }
  assert {
    condition     = module.obslab.alb.health_checks["mlflow"].port == 5000 && module.obslab.alb.health_checks["mlflow"].path == "/health"
    error_message = "mlflow target group: port 5000, health check /health"
  }

  # ---- WAF: rate rule, associated with the ALB ------------------------------------------------
  assert {
    condition     = module.obslab.alb.waf.associated_with == module.obslab.alb.arn
    error_message = "the web ACL must be associated with the ALB"
  }
  assert {
    condition     = module.obslab.alb.waf.rate_limits == [var.waf_rate_limit]
    error_message = "the web ACL must have one rate-based rule at waf_rate_limit"
  }

  # ---- ECS: X-Ray sidecar + IAM, autoscaling, deployment safety, Cloud Map --------------------
  assert {
    condition = anytrue([for c in module.obslab.ecs.container_definitions["serving"] :
    c.name == "xray-daemon" && c.portMappings[0].containerPort == 2000 && c.portMappings[0].protocol == "udp"])
    error_message = "the serving task must run the X-Ray daemon sidecar on UDP 2000"
  }
  assert {
    condition = contains([for e in one([for c in module.obslab.ecs.container_definitions["serving"] : c if c.name == "serving"]).environment :
    "${e.name}=${e.value}"], "AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:2000")
    error_message = "the serving container must send traces to the sidecar"
  }
  assert {
    condition = alltrue([for a in ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"] :
    contains(flatten([for s in jsondecode(module.obslab.task_role_policies["serving"]).Statement : s.Action]), a)])
    error_message = "the serving task role must allow the X-Ray daemon actions"
  }
  assert {
    condition     = module.obslab.ecs.task_role_arns["serving"] == module.obslab.security_role_arns["serving"]
    error_message = "the serving task definition must use the serving task role"
  }
  assert {
    condition     = !anytrue([for c in module.obslab.ecs.container_definitions["mlflow"] : c.name == "xray-daemon"])
    error_message = "only serving carries the X-Ray sidecar"
  }
  assert {
    condition = (module.obslab.ecs.autoscaling["serving"].target_value == 80
      && module.obslab.ecs.autoscaling["serving"].metric == "ECSServiceAverageCPUUtilization"
    && module.obslab.ecs.autoscaling["serving"].min_capacity == var.serving.min_count && module.obslab.ecs.autoscaling["serving"].max_capacity == var.serving.max_count)
    error_message = "serving must scale on 80 % average CPU between serving.min_count and serving.max_count"
  }
  assert {
    condition     = module.obslab.ecs.cluster_settings["containerInsights"] == "enabled"
    error_message = "Container Insights must be on"
  }
  assert {
    condition = alltrue([for k, s in module.obslab.ecs.services : s.deployment_controller == "ECS" && s.circuit_breaker.enable && s.circuit_breaker.rollback
    && s.registry_arn != null])
    error_message = "every service deploys with the circuit breaker + rollback and registers in Cloud Map"
  }
  assert {
    condition     = join(",", sort(keys(module.obslab.ecs.services))) == "mlflow,serving" && contains(keys(module.obslab.ecs.container_definitions), "training")
    error_message = "services: mlflow and serving; training is a task definition only"
  }

  # ---- Alarms: exactly the single alert definition --------------------------------------------
  assert {
    condition     = sort(keys(module.obslab.alarms)) == sort([for a in var.expected_alerts : a.name])
    error_message = "one alarm per alert in observability/alerts.yaml, no more"
  }
  assert {
    condition = alltrue([for a in var.expected_alerts :
      module.obslab.alarms[a.name].threshold == a.threshold
      && module.obslab.alarms[a.name].namespace == a.cloudwatch.namespace
      && module.obslab.alarms[a.name].metric_name == a.cloudwatch.metric_name
      && module.obslab.alarms[a.name].statistic == a.cloudwatch.statistic
      && module.obslab.alarms[a.name].period_s == a.cloudwatch.period_s
      && module.obslab.alarms[a.name].evaluation_periods == a.cloudwatch.evaluation_periods
      && module.obslab.alarms[a.name].comparison == a.cloudwatch.comparison
    ])
    error_message = "alarm settings must equal observability/alerts.yaml"
  }
  assert {
    condition = alltrue([for a in var.expected_alerts : length(module.obslab.alarms[a.name].dimensions) > 0
    if startswith(a.cloudwatch.namespace, "AWS/")])
    error_message = "alarms on AWS metrics must carry the dimensions of the prod resources"
  }

  # ---- Drift Lambda ---------------------------------------------------------------------------
  assert {
    condition     = module.obslab.drift_lambda.schedule == "cron(0 2 * * ? *)"
    error_message = "the drift Lambda runs daily at 02:00 UTC"
  }
  assert {
    condition = (module.obslab.drift_lambda.environment["DATA_BUCKET"] == var.bucket_names.data
    && module.obslab.drift_lambda.environment["SNS_TOPIC_ARN"] == module.obslab.sns_topic_arn)
    error_message = "the drift Lambda reads the data bucket and alerts on the alert topic"
  }
  assert {
    condition     = !contains(keys(module.obslab.drift_lambda.environment), "AWS_ENDPOINT_URL")
    error_message = "no LocalStack endpoint in prod"
  }

  # ---- RDS --------------------------------------------------------------------------------------
  assert {
    condition     = module.obslab.rds != null && startswith(module.obslab.rds.secret_arn, "arn:aws:secretsmanager:")
    error_message = "RDS with its credentials in Secrets Manager"
  }
}
