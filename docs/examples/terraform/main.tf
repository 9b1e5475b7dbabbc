# A launch template whose instances join an ECS cluster through ecs-bootstrap: the user data is
# docs/examples/user-data.sh itself, with its three parameters exported above it (a test builds
# the guest's user data the same way: test-vm/qemu/mkseed.py).  Use it from an autoscaling
# group or aws_instance; the AMI can be a stock Debian 12 with Docker, or one baked with
# packer/ (then the first boot downloads nothing).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "cluster" {
  type = string
}
variable "bs_url" {
  type        = string
  description = "https:// URL of the ecs-bootstrap binary (your bucket)"
}
variable "bs_sha256" {
  type        = string
  description = "its sha256 (build/release/*.sha256)"
}
variable "bs_sha256_arm64" {
  type        = string
  default     = ""
  description = "the sha256 of ecs-bootstrap-arm64 (beside bs_url, with -arm64 appended): Graviton instance types"
}
variable "ami_id" {
  type = string
}
variable "instance_type" {
  type    = string
  default = "t3.small"
}
variable "instance_profile" {
  type        = string
  description = "an instance profile with the AmazonEC2ContainerServiceforEC2Role policy"
}

resource "aws_launch_template" "ecs" {
  name_prefix   = "ecs-bootstrap-"
  image_id      = var.ami_id
  instance_type = var.instance_type
  iam_instance_profile {
    name = var.instance_profile
  }
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only: ecs-bootstrap needs nothing else
    http_put_response_hop_limit = 1          # the agent runs with host networking
  }
  user_data = base64encode(join("", [
    "#!/bin/sh\n",
    "export BS_URL='${var.bs_url}' BS_SHA256='${var.bs_sha256}' BS_SHA256_ARM64='${var.bs_sha256_arm64}' CLUSTER='${var.cluster}'\n",
    file("${path.module}/../user-data.sh"),
  ]))
}

output "launch_template_id" {
  value = aws_launch_template.ecs.id
}
