variable "name" {
  description = "Name prefix for every resource (project-environment)."
  type        = string
  nullable    = false
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR block."
  }
}

variable "azs" {
  description = "Availability zones to spread subnets over (one public and one private subnet each)."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.azs) >= 2
    error_message = "At least two availability zones are needed (ALB and RDS subnet groups require two)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by all private subnets (cheaper) instead of one per AZ (resilient)."
  type        = bool
  default     = true
}

variable "app_ports" {
  description = "Container ports the ALB may reach in the app security group (name -> port)."
  type        = map(number)
  default     = { serving = 8000, mlflow = 5000 }
}

variable "db_port" {
  description = "Port of the database, reachable only from the app security group."
  type        = number
  default     = 5432
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
