#!/usr/bin/env bash
# Before/after of a change: builds two commits into temporary folders and runs `amos bench` on
# each alternately (ROUNDS times), once more for the newer one with libgomp's default (spinning)
# wait policy. Prints one line per run: label, median step ms, p10, p90 (docs/performance.md).
# Usage: scripts/measure/bench-ab.sh OLD_COMMIT NEW_COMMIT [bench options]   e.g. 3ab5ad6 HEAD
#   (default bench options: --config amos-mini --objective amos --steps 4 --warmup 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
old="$1"; new="$2"; shift 2
opts=("$@"); [ ${#opts[@]} -gt 0 ] || opts=(--config amos-mini --objective amos --steps 4 --warmup 1)
work="$(mktemp -d -t amos-ab-XXXXXX)"
build() { # commit -> folder with amos-cli.jar and lib/
  git -C "$root" worktree add -q --detach "$work/$2" "$1"
  (cd "$work/$2" && mvn -q -B -DskipTests package -pl amos-cli -am >/dev/null)
}
build "$old" old; build "$new" new
run() { # label folder wait-policy
  local policy=(env OMP_WAIT_POLICY=PASSIVE); [ "$3" = default ] && policy=(env -u OMP_WAIT_POLICY)
  "${policy[@]}" java -Xmx4g -Doffline=true -Damos.home="$root" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -jar "$work/$2/amos-cli/target/amos-cli.jar" bench "${opts[@]}" 2>/dev/null | tail -n 1 \
    | python3 -c "import sys,json; j=json.loads(sys.stdin.read()); print('$1', j['step_ms_median'], j['step_ms_p10'], j['step_ms_p90'])"
}
for round in $(seq "${ROUNDS:-2}"); do
  run "old($old) passive" old passive
  run "new($new) passive" new passive
  run "new($new) default-wait" new default
done
git -C "$root" worktree remove --force "$work/old"; git -C "$root" worktree remove --force "$work/new"
rm -rf "$work"
