#!/usr/bin/env bash
# Watches the Docker engine and the host while the tests run, one line every INTERVAL seconds
# into LOG: how long the engine took to answer, running containers, free disk under
# /var/lib/docker, available memory, load, and the CPU time the hypervisor gave to others.
# A CI run that times out shows only part of its output; this log (and its summary) says whether
# the engine stopped answering, the disk filled or memory ran out, and when.
# An engine that refuses at once is DOWN (not running). When it first does not answer within
# TIMEOUT seconds (NO-ANSWER), the engine's helper processes still running are logged, and
# dockerd is sent SIGUSR1: it writes its goroutine stacks (the path is in its log,
# /var/log/dockerd.log when setup-host.sh started it).
#   bash scripts/lib/engine-watch.sh run LOG [INTERVAL=20] [TIMEOUT=60]   (until killed)
#   bash scripts/lib/engine-watch.sh summary LOG
#   bash scripts/lib/engine-watch.sh stacks     (dockerd's last goroutine dump, boiled down)
set -uo pipefail

mib_free() { df --output=avail -BM "$1" 2>/dev/null | tail -1 | tr -dc 0-9; }
mem_free() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }
# The share of CPU time the hypervisor gave to others since the last call (/proc/stat's steal):
# a shared build machine can be slow for reasons no test controls. Sets STEAL (a percentage).
cpu_total=0 cpu_steal=0 STEAL=0
steal_since() {
  local _ user nice system idle iowait irq softirq steal total
  read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
  total=$((user + nice + system + idle + iowait + irq + softirq + steal))
  [ "$total" -gt "$cpu_total" ] && STEAL=$((100 * (steal - cpu_steal) / (total - cpu_total)))
  cpu_total=$total cpu_steal=$steal
}

run() {
  local log=$1 interval=${2:-20} limit=${3:-60} dumped=0 t0 ms rc running host dir=/var/lib/docker
  [ -d "$dir" ] || dir=/
  steal_since
  while :; do
    t0=$(date +%s%N)
    running=$(timeout "$limit" docker info --format '{{.ContainersRunning}}' 2>/dev/null)
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    steal_since
    host="disk_free=$(mib_free "$dir")M mem_free=$(mem_free)M load=$(cut -d' ' -f1 /proc/loadavg) steal=${STEAL}%"
    if [ "$rc" = 0 ]; then
      echo "$(date +%T) engine=${ms}ms running=$running $host" >>"$log"
    elif [ "$rc" != 124 ]; then
      # Refused at once: the engine is not running (test/engine/engine-stop.test.ts stops it on purpose).
      echo "$(date +%T) engine=DOWN(exit $rc in ${ms}ms) $host" >>"$log"
    else
      echo "$(date +%T) engine=NO-ANSWER(${limit}s) $host" >>"$log"
      if [ "$dumped" = 0 ]; then
        dumped=1
        # What the engine may be waiting on: its helpers still running (iptables holds a lock
        # every port and network change needs), the oldest first.
        ps -eo pid,stat,etimes,args --sort=-etimes | grep -E "[i]ptables|[d]ocker-proxy|[r]unc|[c]ontainerd-shim" | head -n 15 |
          sed "s/^/$(date +%T) process: /" >>"$log"
        if pid=$(pidof dockerd); then
          kill -USR1 "$pid" 2>/dev/null && echo "$(date +%T) sent SIGUSR1 to dockerd ($pid): its goroutine stacks are named in its log" >>"$log"
        fi
      fi
    fi
    sleep "$interval"
  done
}

# One line: the slowest answer, the unanswered probes, the least free disk and memory, with their times.
summary() {
  awk '
    /engine=/ { n++ }
    /engine=NO-ANSWER/ { miss++; if (!first) first = $1 }
    /engine=DOWN/ { down++; if (!firstDown) firstDown = $1 }
    match($0, /engine=[0-9]+ms/) { ms = substr($0, RSTART + 7, RLENGTH - 9) + 0; if (ms > slow) { slow = ms; slowAt = $1 } }
    match($0, /disk_free=[0-9]+M/) { d = substr($0, RSTART + 10, RLENGTH - 11) + 0; if (!seenD || d < disk) { disk = d; diskAt = $1; seenD = 1 } }
    match($0, /mem_free=[0-9]+M/) { m = substr($0, RSTART + 9, RLENGTH - 10) + 0; if (!seenM || m < mem) { mem = m; memAt = $1; seenM = 1 } }
    match($0, /steal=[0-9]+%/) { st = substr($0, RSTART + 6, RLENGTH - 7) + 0; if (st > steal) { steal = st; stealAt = $1 } }
    END {
      if (n == 0) { print "engine watch: no samples"; exit }
      printf "engine watch (%d samples): slowest answer %.1f s at %s; unanswered %d%s; down %d%s; least disk free %d MiB at %s; least memory available %d MiB at %s; most CPU stolen %d %%%s\n",
        n, slow / 1000, slowAt, miss, (miss ? " (first at " first ")" : ""), down, (down ? " (first at " firstDown ")" : ""), disk, diskAt, mem, memAt, steal, (stealAt ? " at " stealAt : "")
    }' "$1"
}

# dockerd's newest goroutine dump (written on SIGUSR1 into its exec root), boiled down: the
# goroutines that have waited a minute or more on a lock or in a system call (an idle loop waits
# in select or on a channel, and is left out), counted by the first engine function they wait in.
stacks() {
  local dump root=${DOCKER_EXEC_ROOT:-/var/run/docker}
  dump=$(ls -t "$root"/goroutine-stacks-*.log 2>/dev/null | head -n 1)
  [ -n "$dump" ] || { echo "no goroutine dump of dockerd in $root"; return; }
  echo "dockerd's goroutines held a minute or more on a lock or in a system call ($dump):"
  awk '
    /^goroutine [0-9]+ \[(semacquire|sync\.(RW)?Mutex\.R?Lock|syscall)[^]]*minutes?\]:$/ {
      inner = substr($0, index($0, "[") + 1); sub(/\]:$/, "", inner); split(inner, part, ", ")
      kind = part[1]; mins = part[2] + 0; held = 1; next
    }
    /^goroutine / { held = 0; next }
    held && /^github.com\/docker\/docker\// {
      sub(/\([^()]*\)$/, ""); key = $0 "  [" kind "]"; n[key]++; if (mins > most[key]) most[key] = mins; held = 0
    }
    END { for (k in n) printf "%6d  %s, the longest %d min\n", n[k], k, most[k] }' "$dump" | sort -rn | head -n 12
}

case ${1:-} in
run) shift; run "$@" ;;
summary) shift; summary "$@" ;;
stacks) stacks ;;
*) echo "usage: engine-watch.sh run LOG [INTERVAL] [TIMEOUT] | summary LOG | stacks" >&2; exit 2 ;;
esac
