terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # State stays on this machine. `make tf-local` keeps it here (gitignored); tests pass
  # -backend-config=path=<tmp> so they never touch a developer's state.
  backend "local" {}
}
