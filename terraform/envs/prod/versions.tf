terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Remote state: partial configuration, filled from backend.hcl (see backend.hcl.example).
  # `make tf-plan-prod` without backend.hcl plans against a throwaway local state instead.
  backend "s3" {}
}
