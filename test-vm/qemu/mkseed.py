#!/usr/bin/env python3
"""Make the NoCloud seed (user-data, meta-data, network-config) for one guest "instance".

usage: mkseed.py --example user-data|cloud-config --url URL --sha256 HEX --cluster NAME
                 --keyring FILE --instance-id ID [--env KEY=VALUE]...
                 [--ecs-ip IP --probe-url URL] OUTDIR

The user data is multipart MIME:
  part 1 (text/x-shellscript, test-only): installs the throw-away OpenPGP key that signs the
         agent images here (Amazon's key cannot sign test archives); the run is given it with
         ECS_BOOTSTRAP_KEYRING and saves a copy, which ecs.service's `agent` then uses.
         cloud-init runs part scripts in name order, before runcmd.
         With --ecs-ip it also points the instance at the fake ECS, as the real agent needs
         (ecs-bootstrap keeps keys set by hand): the ECS endpoint names in /etc/hosts (EC2's
         DNS would give Amazon's), the test CA as /etc/ecs/test-ca.pem (the agent container
         sees /etc/ecs), ECS_BACKEND_HOST, SSL_CERT_FILE, ECS_ENABLE_TASK_ENI=false (no CNI
         plugins; awsvpc needs real ENIs) and ECS_IMAGE_PULL_BEHAVIOR=prefer-cached in
         /etc/ecs/ecs.config; and loads the tasks' image (--probe-url: a docker-save archive
         of build/task-probe) into Docker, as an AMI could carry it (no registry here).
  part 2 the production example, unchanged but for its parameters:
         user-data     docs/examples/user-data.sh with BS_URL, BS_SHA256, CLUSTER (and the
                       keyring, and each --env) exported above it, as
                       docs/examples/terraform/main.tf does;
         cloud-config  docs/examples/cloud-config.yaml with the values in its runcmd line.
network-config is static (qemu's restricted user network gives no router): 169.254.0.15/16,
gateway 169.254.0.2, as an EC2 instance's link-local view of IMDS.
"""
import argparse, base64, os, re, sys
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "docs", "examples")
KEYRING_PATH = "/etc/ecs-bootstrap-test/keyring.gpg"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--example", choices=["user-data", "cloud-config"], required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--sha256", required=True)
    p.add_argument("--cluster", required=True)
    p.add_argument("--keyring", required=True)
    p.add_argument("--instance-id", required=True)
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE exported for the run (user-data only)")
    p.add_argument("--ecs-ip", help="the address the ECS endpoint names resolve to (the fake ECS's relay)")
    p.add_argument("--probe-url", help="with --ecs-ip: the task image's docker-save archive, loaded into Docker")
    p.add_argument("out")
    a = p.parse_args()
    key = base64.b64encode(open(a.keyring, "rb").read()).decode()
    test_part = (
        "#!/bin/sh\n"
        "# test only: trust the throw-away key that signs the agent images here\n"
        "set -e\n"
        "mkdir -p /etc/ecs-bootstrap-test\n"
        "echo '%s' | base64 -d > %s\n"
        % (key, KEYRING_PATH))
    if a.ecs_ip:
        names = " ".join("%s.us-east-1.amazonaws.com" % h for h in ("ecs", "ecs-a-1", "ecs-t-1", "ecs-sc-1"))
        test_part += (
            "# test only: the fake ECS control plane, and the image its tasks run\n"
            "echo '%s %s' >> /etc/hosts\n"
            "mkdir -p /etc/ecs\n"
            "cp /usr/local/share/ca-certificates/ecs-bootstrap-test-ca.crt /etc/ecs/test-ca.pem\n"
            "# (an image made by bake has them already, with the cluster baked in: kept)\n"
            "grep -qs '^ECS_BACKEND_HOST=' /etc/ecs/ecs.config || "
            "printf '%%s\\n' '# test only: the fake ECS' ECS_BACKEND_HOST=https://ecs.us-east-1.amazonaws.com \\\n"
            "\tSSL_CERT_FILE=/etc/ecs/test-ca.pem ECS_ENABLE_TASK_ENI=false ECS_IMAGE_PULL_BEHAVIOR=prefer-cached >> /etc/ecs/ecs.config\n"
            % (a.ecs_ip, names))
        if a.probe_url:
            test_part += (
                "if systemctl cat docker.service >/dev/null 2>&1; then\n"
                "\tsystemctl start docker.service\n\tcurl -fsS '%s' | docker load\n"
                "else # no Docker in the image: the user data's run installs it; load as soon as it answers\n"
                "\tsetsid sh -c 'until docker info >/dev/null 2>&1; do sleep 1; done; curl -fsS %s | docker load' "
                "> /var/log/test-probe-load.log 2>&1 < /dev/null &\n"
                "fi\n" % (a.probe_url, a.probe_url))
    msg = MIMEMultipart()
    msg.attach(MIMEText(test_part, "x-shellscript"))
    if a.example == "user-data":
        # as docs/examples/terraform/main.tf builds it: a shebang, the parameters, the file
        body = open(os.path.join(EXAMPLES, "user-data.sh")).read()
        params = "export BS_URL='%s' BS_SHA256='%s' BS_SHA256_ARM64='%s' CLUSTER='%s' ECS_BOOTSTRAP_KEYRING='%s'%s\n" % (
            a.url, a.sha256, "", a.cluster, KEYRING_PATH, "".join(" '%s'" % e for e in a.env))
        msg.attach(MIMEText("#!/bin/sh\n" + params + body, "x-shellscript"))
    else:
        if a.env:
            sys.exit("mkseed: --env is for the user-data example")
        body = open(os.path.join(EXAMPLES, "cloud-config.yaml")).read()
        runcmd = re.compile(r'^(  - \[ env, )"BS_URL=[^"]*", "BS_SHA256=[^"]*", "CLUSTER=[^"]*",', re.M)
        if not runcmd.search(body):
            sys.exit("mkseed: the runcmd line of cloud-config.yaml has changed shape")
        body = runcmd.sub(lambda m: '%s"BS_URL=%s", "BS_SHA256=%s", "CLUSTER=%s", "ECS_BOOTSTRAP_KEYRING=%s",' % (
            m.group(1), a.url, a.sha256, a.cluster, KEYRING_PATH), body)
        msg.attach(MIMEText(body, "cloud-config"))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "user-data"), "w") as f:
        f.write(msg.as_string())
    with open(os.path.join(a.out, "meta-data"), "w") as f:
        f.write("instance-id: %s\nlocal-hostname: ecsvm\n" % a.instance_id)
    with open(os.path.join(a.out, "network-config"), "w") as f:
        f.write("version: 2\nethernets:\n  eth0:\n    addresses: [169.254.0.15/16]\n"
                "    routes: [ { to: 0.0.0.0/0, via: 169.254.0.2 } ]\n")


if __name__ == "__main__":
    main()
