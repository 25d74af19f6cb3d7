#!/usr/bin/env bash
# './amos spark embed|classify [--master local[N]] ...': runs dev.amos.spark.AmosSparkMain, the class
# spark-submit runs on a cluster, in Spark's local mode on this machine. Builds amos-spark when it is
# missing or older than the sources; Spark itself comes from Maven Central with that build
# (amos-spark/target/spark-lib). CPU only. Environment: AMOS_HEAP (default 4g), AMOS_JAVA_OPTS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/amos-spark/target"
jar="$target/amos-spark.jar"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/amos"

stale() {
  [ -f "$jar" ] && [ -d "$target/spark-lib" ] || return 0
  [ -n "$(cd "$root" && find . -path ./runs -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) \
      -newer "$jar" -print -quit)" ]
}

if stale; then
  echo "amos: building amos-spark (downloads Spark from Maven Central the first time) ..." >&2
  if ! (cd "$root" && mvn -q -B -DskipTests -P!cuda package -pl amos-spark -am >&2); then
    echo "amos: the build failed (run 'mvn -DskipTests package -pl amos-spark -am' to see why)" >&2
    exit 1
  fi
  touch "$jar" # maven keeps an unchanged jar's old time; the sources checked above may be tests only
fi

# the --add-opens set Spark 3.5 documents for Java 17 (org.apache.spark.launcher.JavaModuleOptions)
opens=(-XX:+IgnoreUnrecognizedVMOptions)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
    java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done

export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$cache/djl}"
export OPT_OUT_TRACKING=true
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# glibc malloc as ./amos sets it, but AMOS_MALLOC defaults to mmap here: inference gains nothing
# measurable from the heap setting (docs/performance.md) and Spark's JVMs never call malloc_trim
. "$root/amos-cli/src/main/sh/malloc.sh"
amos_malloc mmap "amos spark"
# shellcheck disable=SC2086
exec java -Xmx${AMOS_HEAP:-4g} "${opens[@]}" -Djdk.reflect.useDirectMethodHandle=false -Doffline=true \
  -Djava.awt.headless=true -Dspark.master="local[*]" -Dspark.ui.enabled=false \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda=error \
  ${AMOS_JAVA_OPTS:-} -cp "$jar:$target/lib/*:$target/spark-lib/*" dev.amos.spark.AmosSparkMain "$@"
