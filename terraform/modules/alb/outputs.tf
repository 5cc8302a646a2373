output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name to point the domain at."
  value       = aws_lb.this.dns_name
}

output "certificate_arn" {
  description = "ACM certificate used by the HTTPS listener."
  value       = local.certificate_arn
}

output "target_group_arns" {
  description = "Target group ARN by target key."
  value       = { for k, t in aws_lb_target_group.this : k => t.arn }
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix by key (CloudWatch dimension TargetGroup)."
  value       = { for k, t in aws_lb_target_group.this : k => t.arn_suffix }
}

output "target_group_health_checks" {
  description = "Health check settings by target key."
  value       = { for k, t in aws_lb_target_group.this : k => { port = t.port, path = t.health_check[0].path, matcher = t.health_check[0].matcher, enabled = t.health_check[0].enabled } }
}

output "listeners" {
  description = "Listener summary: port, protocol, certificate and default action."
  value = {
    https = {
      port            = aws_lb_listener.https.port
      protocol        = aws_lb_listener.https.protocol
      certificate_arn = aws_lb_listener.https.certificate_arn
      action          = aws_lb_listener.https.default_action[0].type
      target_group    = aws_lb_listener.https.default_action[0].target_group_arn
    }
    http = {
      port          = aws_lb_listener.http.port
      protocol      = aws_lb_listener.http.protocol
      action        = aws_lb_listener.http.default_action[0].type
      redirect_to   = aws_lb_listener.http.default_action[0].redirect[0].protocol
      redirect_port = aws_lb_listener.http.default_action[0].redirect[0].port
      status_code   = aws_lb_listener.http.default_action[0].redirect[0].status_code
    }
  }
}

output "waf" {
  description = "Web ACL ARN, its rate rule limit and the resource it protects."
  value = {
    web_acl_arn     = aws_wafv2_web_acl.this.arn
    associated_with = aws_wafv2_web_acl_association.this.resource_arn
    rate_limits     = [for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].limit if length(r.statement[0].rate_based_statement) > 0]
  }
}
