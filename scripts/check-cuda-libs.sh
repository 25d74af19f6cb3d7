#!/usr/bin/env bash
# Checks, without a GPU and without running GPU code, that a -Pcuda build can load: every file of
# pom.xml's cuda.redist.libs (plus libcudart.so) is in target/cuda-libs-11.8-8.6, and the dynamic
# loader resolves every dependency of the cu118 natives and of the cuDNN parts from that folder,
# the native jar's own libraries and the system, except libcuda.so.1 (the driver, from the GPU
# host), and that JNA's lookup of "cudart" (how DJL counts GPUs) picks this folder's CUDA 11.8
# libcudart.so over any other on the system, as the launcher sets it up. Run after 'mvn -Pcuda -DskipTests package -pl amos-cli -am'. Exit 1 on a gap.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
libs="$root/target/cuda-libs-11.8-8.6"
native=$(ls "$root"/amos-cli/target/lib/pytorch-native-cu118-*.jar 2>/dev/null | head -n 1)
[ -n "$native" ] || { echo "no pytorch-native-cu118 jar in amos-cli/target/lib (build with -Pcuda)"; exit 1; }
status=0
for name in $(sed -n 's:.*<cuda.redist.libs>\(.*\)</cuda.redist.libs>.*:\1:p' "$root/pom.xml" | tr ',' ' ') libcudart.so; do
  if [ -f "$libs/$name" ]; then echo "present  $name"; else echo "MISSING  $name"; status=1; fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unzip -q -j -o "$native" 'pytorch/cu118/linux-x86_64/*' -d "$tmp"
for f in "$tmp"/*.so* "$libs"/*.so*; do
  missing=$(LD_LIBRARY_PATH="$libs:$tmp" ldd "$f" 2>/dev/null | awk '/not found/ {print $1}' | grep -v '^libcuda\.so\.1$' || true)
  if [ -n "$missing" ]; then echo "UNRESOLVED $(basename "$f"): $missing"; status=1; fi
done
jna=$(ls "$root"/amos-cli/target/lib/jna-*.jar | head -n 1)
cat > "$tmp/CudartProbe.java" <<'JAVA'
import java.nio.file.Files;
import java.nio.file.Path;
public class CudartProbe {
    public static void main(String[] a) throws Exception {
        com.sun.jna.NativeLibrary.getInstance("cudart"); // DJL's CudaUtils: Native.load("cudart")
        Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("libcudart"))
                .map(l -> l.substring(l.indexOf('/'))).distinct().forEach(System.out::println);
    }
}
JAVA
loaded=$(LD_LIBRARY_PATH="$libs" java -Djna.library.path="$libs" -cp "$jna" "$tmp/CudartProbe.java" 2>&1 || true)
if [ "$loaded" = "$libs/libcudart.so" ]; then echo "JNA loads $loaded"; else echo "JNA loads: $loaded (expected $libs/libcudart.so)"; status=1; fi
[ "$status" = 0 ] && echo "all $(ls "$tmp" "$libs" | grep -c '\.so') libraries resolve (libcuda.so.1 comes with the driver)"
exit "$status"
