# The seed's example production values. Secrets (PagerDuty URL, API key) are never put here.
project      = "ml-pipeline"
environment  = "prod"
region       = "us-west-2"
azs          = ["us-west-2a", "us-west-2b"]
domain_name  = "ml.example.com"
alert_email  = "ml-alerts@example.com"
bucket_names = { artifacts = "ml-pipeline-prod-artifacts", data = "ml-pipeline-prod-data" }
image_tag    = "v1.0.0"
serving      = { cpu = 1024, memory = 2048, min_count = 2, max_count = 10 }
rds          = { instance_class = "db.t4g.small", multi_az = true, deletion_protection = true }
