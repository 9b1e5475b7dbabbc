# An ECS-ready AMI from Debian 12 (where no ecs-init package exists): Docker from Debian,
# then packer/bake.sh (ecs-bootstrap bake).  Instances launched from it run user-data.sh (or
# cloud-config.yaml) with their cluster; that first boot downloads and loads nothing.
#   packer init . && packer build -var bs_url=... -var bs_sha256=... .
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.0"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}
variable "bs_url" {
  type        = string
  description = "https:// URL of the ecs-bootstrap binary (your bucket)"
}
variable "bs_sha256" {
  type        = string
  description = "its sha256 (build/release/*.sha256)"
}
variable "cluster" {
  type        = string
  default     = ""
  description = "bake ECS_CLUSTER into the image (usually left empty: user data sets it)"
}

source "amazon-ebs" "ecs" {
  region        = var.region
  instance_type = "t3.small"
  ssh_username  = "admin"
  ami_name      = "ecs-bootstrap-debian12-{{timestamp}}"
  source_ami_filter {
    owners      = ["136693071363"] # Debian
    most_recent = true
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
    }
  }
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required" # IMDSv2, which ecs-bootstrap uses
  }
}

build {
  sources = ["source.amazon-ebs.ecs"]

  provisioner "shell" {
    inline          = ["sudo apt-get update -q", "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io curl"]
  }
  provisioner "shell" {
    script           = "${path.root}/bake.sh"
    execute_command  = "sudo env {{ .Vars }} sh '{{ .Path }}'"
    environment_vars = ["BS_URL=${var.bs_url}", "BS_SHA256=${var.bs_sha256}", "CLUSTER=${var.cluster}"]
  }
}
