/* apparmor.h: the agent container's AppArmor profile, ecs-agent-default.
 *
 * Where AppArmor is enabled (Debian, Ubuntu), Docker confines containers with its
 * docker-default profile, which upstream agent issues (3227, 4062) found keeping the agent
 * from task cgroups on some cgroup v2 hosts (on Debian 12 the qemu guest's task ran under it
 * too).  As ecs-init does, the agent gets a profile written for it: ecs-bootstrap writes
 * its own profile to /etc/apparmor.d/ecs-agent-default (loaded again at every boot by
 * apparmor.service), loads it with apparmor_parser, and runs the agent with it, unless
 * ECS_AGENT_APPARMOR_PROFILE names another.  The service step owns the file and its loading.
 */
#ifndef BS_APPARMOR_H
#define BS_APPARMOR_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"

#define APPARMOR_PROFILE_NAME "ecs-agent-default"
#define APPARMOR_PROFILE_PATH "/etc/apparmor.d/ecs-agent-default"

/* The profile's text, with the distribution's includes (tunables/global, abstractions/base)
 * or without them: its length, or -E2BIG. */
int apparmor_profile_text(bool tunables, bool base, char *buf, size_t cap);

/* AppArmor is enabled in this kernel: /sys/module/apparmor/parameters/enabled says Y and
 * /sys/kernel/security/apparmor is there (Docker's test too). */
bool apparmor_enabled(struct run *r);

/* The kernel has a profile called name loaded (/sys/kernel/security/apparmor/profiles). */
bool apparmor_loaded(struct run *r, const char *name);

/* Service step: 1 when there is nothing to do (AppArmor off, or the profile's file exact and
 * loaded; without apparmor_parser nothing can be done: warned), 0 when apply must act,
 * < 0 on error. */
int apparmor_check(struct run *r);

/* Write the profile (when it differs) and load it: 0 or < 0 (r->err). */
int apparmor_apply(struct run *r);

#endif
