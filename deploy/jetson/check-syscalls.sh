#!/usr/bin/env bash
# Runs a command inside the unit's sandbox without systemd, to see whether it stays within the system calls the unit
# allows: SystemCallFilter=@system-service with SystemCallArchitectures=native, as another user with no capability
# (CapabilityBoundingSet=) and no new privileges. Unlike the unit (SystemCallErrorNumber=EPERM), any other system call
# kills the command (SIGSYS), so nothing outside the list goes unnoticed. Needs root, gcc, systemd-analyze (systemd)
# and setpriv (util-linux). On a Jetson, with the agent installed and stopped:
#   sudo deploy/jetson/check-syscalls.sh --user inspection -- env INSPECTION_EDGE_CONFIG=/etc/inspection/edge-agent.json \
#       /opt/inspection/edge-agent/Inspection.EdgeAgent
# then stop it with Ctrl-C. Exit status: the command's; 159 (128 + SIGSYS) when it made a call outside the list, which
# `strace -f` then names.
set -euo pipefail
user=nobody
while (($#)); do
  case "$1" in
    --user) user="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "check-syscalls.sh: unknown option $1 (usage: --user NAME -- COMMAND...)" >&2; exit 2 ;;
  esac
done
(($#)) || { echo "check-syscalls.sh: no command given (usage: --user NAME -- COMMAND...)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "check-syscalls.sh: run as root (setpriv switches to --user)." >&2; exit 1; }
for tool in gcc systemd-analyze setpriv; do
  command -v "$tool" >/dev/null || { echo "check-syscalls.sh: $tool is missing." >&2; exit 1; }
done
case "$(uname -m)" in
  x86_64) arch=AUDIT_ARCH_X86_64 ;;
  aarch64) arch=AUDIT_ARCH_AARCH64 ;;
  *) echo "check-syscalls.sh: $(uname -m) is not supported." >&2; exit 1 ;;
esac

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# Every system call of the group, nested groups expanded, then the numbers this architecture gives the names it has.
declare -A seen
expand() {
  [[ -n ${seen[$1]:-} ]] && return; seen[$1]=1
  local line
  while read -r line; do
    [[ -z $line || $line == \#* || $line == "$1" ]] && continue
    if [[ $line == @* ]]; then expand "$line"; else echo "$line"; fi
  done < <(systemd-analyze syscall-filter "$1")
}
expand @system-service | sort -u > "$work/names"
gcc -E -dM -include sys/syscall.h - < /dev/null | awk '/^#define __NR_[a-z0-9_]+ [0-9]+$/ {print substr($2, 6), $3}' > "$work/table"
awk 'NR == FNR {allowed[$1] = 1; next} $1 in allowed {print $2}' "$work/names" "$work/table" > "$work/numbers"
echo "check-syscalls.sh: $(wc -l < "$work/numbers") system calls of @system-service exist on $(uname -m); anything else kills the command" >&2

cat > "$work/launch.c" <<C
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 2; }
  static struct sock_filter prog[4096];
  int n = 0; long nr;
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, $arch, 1, 0);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  while (fscanf(f, "%ld", &nr) == 1 && n < 4090) {
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog)) { perror("seccomp"); return 2; }
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}
C
gcc -O2 -o "$work/launch" "$work/launch.c"
chmod 755 "$work/launch"; chmod 644 "$work/numbers"

set +e
setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups --bounding-set=-all --inh-caps=-all --no-new-privs \
  "$work/launch" "$work/numbers" "$@"
status=$?
set -e
((status == 159)) && echo "check-syscalls.sh: killed by SIGSYS: the command made a system call outside @system-service." >&2
exit "$status"
