locals {
  services = { for k, w in var.workloads : k => w if w.run_as_service }

  containers = {
    for k, w in var.workloads : k => concat(
      [{
        name         = k
        image        = w.image
        essential    = true
        command      = w.command
        portMappings = w.port == null ? [] : [{ containerPort = w.port, protocol = "tcp" }]
        environment  = [for n, v in merge(w.environment, w.xray_sidecar ? { AWS_XRAY_DAEMON_ADDRESS = "127.0.0.1:2000" } : {}) : { name = n, value = v }]
        secrets      = [for n, arn in w.secrets : { name = n, valueFrom = arn }]
        logConfiguration = {
          logDriver = "awslogs"
          options   = { awslogs-group = aws_cloudwatch_log_group.this[k].name, awslogs-region = var.region, awslogs-stream-prefix = k }
        }
        dependsOn = w.xray_sidecar ? [{ containerName = "xray-daemon", condition = "START" }] : []
      }],
      w.xray_sidecar ? [{
        name         = "xray-daemon"
        image        = var.xray_daemon_image
        essential    = false
        cpu          = 32
        memory       = 256
        portMappings = [{ containerPort = 2000, protocol = "udp" }]
        logConfiguration = {
          logDriver = "awslogs"
          options   = { awslogs-group = aws_cloudwatch_log_group.this[k].name, awslogs-region = var.region, awslogs-stream-prefix = "xray" }
        }
      }] : []
    )
  }
}

################################################################################
# Cluster, logs, service discovery
################################################################################

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = var.workloads
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = "${var.name}.local"
  description = "Service discovery for ${var.name} tasks"
  vpc         = var.vpc_id
  tags        = var.tags
}

resource "aws_service_discovery_service" "this" {
  for_each     = local.services
  name         = each.key
  namespace_id = aws_service_discovery_private_dns_namespace.this.id

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }

  tags = var.tags
}

################################################################################
# Task definitions and services
################################################################################

resource "aws_ecs_task_definition" "this" {
  for_each                 = var.workloads
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arns[each.key]
  container_definitions    = jsonencode(local.containers[each.key])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  for_each                          = local.services
  name                              = each.key
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this[each.key].arn
  desired_count                     = each.value.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  propagate_tags                    = "SERVICE"
  enable_execute_command            = false
  health_check_grace_period_seconds = contains(keys(var.target_group_arns), each.key) ? 60 : null

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [var.security_group_id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = contains(keys(var.target_group_arns), each.key) ? [var.target_group_arns[each.key]] : []
    content {
      target_group_arn = load_balancer.value
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  service_registries {
    registry_arn = aws_service_discovery_service.this[each.key].arn
  }

  deployment_controller {
    type = var.deployment_controller
  }

  dynamic "deployment_circuit_breaker" {
    for_each = var.deployment_controller == "ECS" ? [1] : []
    content {
      enable   = true
      rollback = true
    }
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling after creation
  }

  tags = var.tags
}

################################################################################
# CPU target-tracking autoscaling
################################################################################

resource "aws_appautoscaling_target" "this" {
  for_each           = var.enable_autoscaling ? local.services : {}
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min_count
  max_capacity       = each.value.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each           = aws_appautoscaling_target.this
  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
