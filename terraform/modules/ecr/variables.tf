variable "name" {
  description = "Name prefix of the repositories (project-environment)."
  type        = string
  nullable    = false
}

variable "repositories" {
  description = "Image repositories to create, one per service image."
  type        = set(string)
  default     = ["serving", "mlflow", "training", "drift"]
}

variable "image_tag_mutability" {
  description = "IMMUTABLE (deploy by unique tag or digest) or MUTABLE."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.image_tag_mutability)
    error_message = "image_tag_mutability must be IMMUTABLE or MUTABLE."
  }
}

variable "encryption_type" {
  description = "Repository encryption: KMS or AES256."
  type        = string
  default     = "KMS"

  validation {
    condition     = contains(["KMS", "AES256"], var.encryption_type)
    error_message = "encryption_type must be KMS or AES256."
  }
}

variable "keep_last_images" {
  description = "How many images each repository keeps; older ones expire."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
