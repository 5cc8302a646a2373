output "bucket_names" {
  description = "Bucket names by key."
  value       = { for k, b in aws_s3_bucket.this : k => b.bucket }
}

output "bucket_arns" {
  description = "Bucket ARNs by key."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}
