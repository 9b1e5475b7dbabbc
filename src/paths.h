/* paths.h: every path and external constant the program touches.  All paths are
 * opened relative to the --root directory (default "/").
 * Checklist: these paths appear in README.md, test-vm/sandbox assertions and docs/. */
#ifndef BS_PATHS_H
#define BS_PATHS_H

#define PATH_OS_RELEASE        "/etc/os-release"
#define PATH_OS_RELEASE_USR    "/usr/lib/os-release"
#define PATH_ROUTE_LOCALNET    "/proc/sys/net/ipv4/conf/all/route_localnet"
#define PATH_PROC_IPV6         "/proc/sys/net/ipv6"
#define PATH_SYSCTL_FILE       "/etc/sysctl.d/80-ecs-bootstrap.conf"
#define PATH_ECS_CONFIG        "/etc/ecs/ecs.config"
#define PATH_ECS_CONFIG_DIR    "/etc/ecs"
#define PATH_STATE_DIR         "/var/lib/ecs-bootstrap/state"
#define PATH_LOCK              "/run/ecs-bootstrap.lock"
#define PATH_BOOT_ID           "/proc/sys/kernel/random/boot_id"
#define PATH_CLOUD_INSTANCE_ID "/var/lib/cloud/data/instance-id"
#define PATH_MACHINE_ID        "/etc/machine-id"
#define PATH_SYSTEMD_RUNDIR    "/run/systemd/system"
#define PATH_DOCKER0_BRIDGE    "/sys/class/net/docker0/bridge"
#define PATH_AGENT_CACHE_DIR   "/var/cache/ecs"
#define PATH_AGENT_TAR         "/var/cache/ecs/ecs-agent.tar"
#define PATH_AGENT_SIG         "/var/cache/ecs/ecs-agent.tar.asc"
#define PATH_AGENT_DESIRED     "/var/cache/ecs/desired-image"      /* the agent names its downloaded update here (exit 42) */
#define PATH_AGENT_ID          "/var/cache/ecs/ecs-agent.tar.id"   /* image id + source, after verify+load */
#define PATH_DOCKER_CONFIG     "/root/.docker/config.json"          /* registry credentials (--agent-image) */
#define PATH_AGENT_DATA        "/var/lib/ecs/data"                 /* the agent's state: its registration */
#define PATH_EBS_MOUNT_DIR     "/mnt/ecs/ebs"                      /* EBS task attach mounts volumes here */
#define PATH_BAKED             "/var/lib/ecs-bootstrap/baked"         /* bake made this image; no run on this instance yet */
#define PATH_CLOUD_INIT_RUN    "/run/cloud-init"                      /* cloud-init is at work this boot */
#define PATH_CLOUD_INIT_RESULT "/run/cloud-init/result.json"          /* ... and has finished */
#define PATH_AGENT_CLUSTER     "/var/lib/ecs-bootstrap/agent-cluster" /* the cluster the agent last started in */
#define AGENT_REPO             "amazon/amazon-ecs-agent"
#define AGENT_TAG              "latest"

/* Task IAM role endpoint and agent ports (installation document; ecs-init iptables.go). */
#define ECS_CREDS_ADDR         "169.254.170.2"
#define ECS_CREDS_PORT         "51679"
#define ECS_INTROSPECTION_PORT "51678"
#define IMDS_ADDR              "169.254.169.254"

/* Limits on sizes that come from outside. */
#define BS_CONFIG_MAX      (256UL * 1024) /* ecs.config, bytes */
#define BS_CONFIG_ENTRIES  1024         /* ecs.config assignments */
#define BS_MAX_SETS        128          /* --set options */
#define BS_SMALL_FILE_MAX  4096         /* os-release, ids, checkpoints, sysctl values */

#endif
