locals {
  repo_root = abspath("${path.module}/../../..")
  alerts    = yamldecode(file(coalesce(var.alerts_file, "${local.repo_root}/observability/alerts.yaml"))).alerts
}

module "obslab" {
  source      = "../../modules/stack"
  project     = var.project
  environment = var.environment
  region      = var.region

  azs             = var.azs
  domain_name     = var.domain_name
  certificate_arn = var.certificate_arn
  waf_rate_limit  = var.waf_rate_limit
  image_tag       = var.image_tag
  serving         = var.serving
  rds             = var.rds

  bucket_names       = var.bucket_names
  alerts             = local.alerts
  alert_email        = var.alert_email
  pagerduty_endpoint = var.pagerduty_endpoint

  lambda_zip_path   = coalesce(var.lambda_zip_path, "${local.repo_root}/build/drift-lambda.zip")
  drift_environment = var.drift_environment
}
