#!/bin/bash
# test-vm/sandbox/dockerstep.sh BIN FAULT_BIN BACKEND
# The docker step (issue 18, "Docker itself"): Docker answering is converged; Docker installed
# but stopped, with no systemd to start it, is 111; Docker missing (its dockerd and unit file
# hidden by /dev/null bound over them) is 100 "Docker is not installed" with
# --no-install-docker or ECS_BOOTSTRAP_INSTALL_DOCKER=0, and otherwise installed with apt-get
# (this machine is Debian).  The package manager and systemctl are recording stand-ins in
# BS_TOOL_DIR (nothing may be installed on the machine the test runs on); the real install of
# docker.io from a package mirror is the qemu guest's (test-vm/qemu/guest.sh, trixie).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
SBX_AGENT=standin SBX_STANDIN_WHY="what is under test is the step before the agent: whether Docker is there"

sbx_suite "the docker step" "$@"
run() { IN "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
not_after() { ! grep -qE '(agent-image|options|service): \[started\]' "$W/out" || { echo "steps after docker ran:"; cat "$W/out"; return 1; }; }
dockerd_down() { kill "$PID_dockerd"; wait "$PID_dockerd" 2>/dev/null; IN rm -f /run/docker.sock; }

run run --cluster d
t "Docker answering: exit 0" rc 0
t "... docker [skipped]: it answers on the socket, API named" grep -qE 'docker: \[skipped\] already converged: Docker answers on /var/run/docker.sock \(API 1\.[0-9]+\)' "$W/out"
t "... its checkpoint is written (scope boot)" IN test -f /var/lib/ecs-bootstrap/state/docker

dockerd_down
run run --cluster d
t "Docker installed but stopped, no systemd: exit 111 (retry)" rc 111
t "... says it is installed, where, and what to do" has "Docker is installed (/usr/sbin/dockerd) but not answering, and there is no systemd to start it: start dockerd"
t "... no step after it ran" not_after

# Docker missing: what shows it is installed, hidden
IN mount --bind /dev/null /usr/sbin/dockerd
IN mount --bind /dev/null /usr/lib/systemd/system/docker.service
run run --cluster d --no-install-docker
t "Docker missing, --no-install-docker: exit 100 (do not retry)" rc 100
t "... says Docker is not installed, and what to do" has "Docker is not installed (no dockerd, no docker.service under '/'): install it, or run without --no-install-docker"
t "... no step after it ran" not_after
plan_pending() { IN "$BIN" plan > "$W/out" 2>&1; [ $? = 1 ] && grep -q 'docker .*Docker is not installed' "$W/out" || { cat "$W/out"; return 1; }; }
t "plan: the docker step is pending, saying Docker is not installed" plan_pending
SBX_ENV+=(ECS_BOOTSTRAP_INSTALL_DOCKER=0)
run run --cluster d
t "ECS_BOOTSTRAP_INSTALL_DOCKER=0: the same exit 100" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'Docker is not installed' $W/out"
unset 'SBX_ENV[${#SBX_ENV[@]}-1]'

# The install, with the package manager and systemctl recorded: a failing apt-get, then one
# that "installs" Docker (it shows dockerd again)
mkdir -p "$W/tools"
cat > "$W/tools/dpkg" <<EOF
#!/bin/sh
echo "dpkg \$*" >> $W/tools.log
EOF
cat > "$W/tools/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$* [DEBIAN_FRONTEND=\$DEBIAN_FRONTEND NEEDRESTART_MODE=\$NEEDRESTART_MODE]" >> $W/tools.log
case "\$*" in *update*) echo "Hit:1 http://mirror.invalid/debian bookworm InRelease"; exit 0;; esac
if [ -f $W/apt-fails ]; then
	echo "Reading package lists..."; echo "E: Unable to locate package docker.io"; echo "W: a warning after it"; exit 100
fi
umount /usr/sbin/dockerd /usr/lib/systemd/system/docker.service
echo "Setting up docker.io (20.10.24+dfsg1-1+b3) ..."
EOF
cat > "$W/tools/apt-cache" <<EOF
#!/bin/sh
echo "apt-cache \$*" >> $W/tools.log
echo "Package: docker-cli"
EOF
chmod +x "$W/tools/dpkg" "$W/tools/apt-get" "$W/tools/apt-cache"
SBX_ENV+=(BS_TOOL_DIR="$W/tools")
touch "$W/apt-fails"
run run --cluster d
t "apt-get install fails: exit 111 (a mirror may come back)" rc 111
t "... the error names the command and apt's E: line" has "install Docker: apt-get install docker.io docker-cli exited 100: E: Unable to locate package docker.io (retrying may help)"
t "... an interrupted dpkg is finished first, then the index is updated, then docker.io installed (and docker-cli, a package of its own here) without recommends, non-interactively, needrestart only listing" \
	bash -c "diff <(sed 's/ -o [^ ]*//g' $W/tools.log) - <<<'dpkg --configure -a
apt-get -q update [DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l]
apt-cache show docker-cli
apt-get -q -y --no-install-recommends install docker.io docker-cli [DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l]'"
t "... apt-get waits for the dpkg lock, and keeps changed conffiles" grep -q -- '-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends install docker.io docker-cli' "$W/tools.log"
t "... no step after it ran" not_after
rm -f "$W/apt-fails"
run run --cluster d
t "apt-get installs Docker, no systemd to start it: exit 111" rc 111
t "... says what it installed, and that dockerd must be started" has "installed docker.io docker-cli with apt-get (0 s); Docker is installed (/usr/sbin/dockerd) but not answering, and there is no systemd to start it: start dockerd"

# With systemd (its run directory, and systemctl recorded): docker.service disabled is enabled
# and started; the stand-in starts the sandbox's dockerd when asked to
sbx_dockerd_up || echo "not ok - dockerd again"
IN mkdir -p /run/systemd/system
cat > "$W/tools/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >> $W/systemctl.log
case "\$*" in
"is-enabled docker.service docker.socket") [ -f $W/enabled ] && { echo enabled; echo disabled; exit 0; }; echo disabled; echo disabled; exit 1;;
"enable --now docker.service") touch $W/enabled; exit 0;;
is-enabled*) echo enabled;;
is-active*) echo active;;
esac
exit 0
EOF
chmod +x "$W/tools/systemctl"
IN rm -f /var/lib/ecs-bootstrap/state/docker
run run --cluster d --no-start
t "with systemd, docker.service disabled: enabled and started" grep -q 'docker: \[finished\] docker.service enabled and started; Docker answers on /var/run/docker.sock' "$W/out"
t "... systemctl asked is-enabled, then enable --now docker.service" bash -c "head -2 $W/systemctl.log | diff - <(printf '%s\n' 'systemctl is-enabled docker.service docker.socket' 'systemctl enable --now docker.service')"
: > "$W/systemctl.log"
run run --cluster d --no-start
t "a re-run in the same boot: docker [skipped], systemctl not asked again (the checkpoint)" \
	bash -c "grep -q 'docker: \[skipped\] already converged' $W/out && ! grep -q 'docker' $W/systemctl.log || { cat $W/out $W/systemctl.log; false; }"
t_summary
