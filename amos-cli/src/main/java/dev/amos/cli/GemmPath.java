package dev.amos.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which CPU GEMM path the engine's MKL takes in this process. libtorch 2.0.1 links MKL statically;
 * on a CPU whose vendor is not GenuineIntel MKL runs its generic SGEMM kernels unless the
 * launcher's one-line shim ({@code amos-cli/src/main/c/mkl_intel_cpu_true.c}) is preloaded, which
 * makes MKL choose its kernels by the CPU's features (docs/performance.md, "The GEMM path").
 *
 * @param name {@code mkl-fast} (shim mapped into this process), {@code mkl-generic} (non-Intel CPU
 *     without the shim), {@code mkl-intel} (GenuineIntel: MKL's own dispatch) or {@code unknown}
 * @param detail one line: the CPU vendor, the shim file or why it is not loaded
 * @param otherPathSwitch the launcher setting that runs the other MKL path on this CPU ({@code
 *     AMOS_MKL_FAST=0} on the fast path, {@code AMOS_MKL_FAST=1} on the generic path of a CPU with
 *     avx2 and fma), or null where there is no other path
 * @param avx512 whether the CPU reports avx512f, avx512bw, avx512dq and avx512vl (where the fast
 *     path's kernels are about twice the generic ones, docs/performance.md)
 */
record GemmPath(String name, String detail, String otherPathSwitch, boolean avx512) {

    /** The file name part every build of the shim carries (the launcher adds a checksum). */
    static final String SHIM_NAME = "libamos-mkl-intel-cpu-true";

    /** Why the launcher did or did not preload the shim (set by {@code ./amos}). */
    static final String REASON_PROPERTY = "amos.gemm.reason";

    /** True when MKL runs its feature-based (fast) kernels on a non-Intel CPU. */
    boolean fast() {
        return name.equals("mkl-fast");
    }

    /** The path of this process, from /proc/cpuinfo and /proc/self/maps. */
    static GemmPath current() {
        return of(
                read(Path.of("/proc/cpuinfo")),
                read(Path.of("/proc/self/maps")),
                System.getProperty(REASON_PROPERTY));
    }

    /** The path given the text of /proc/cpuinfo and /proc/self/maps (empty when unreadable). */
    static GemmPath of(List<String> cpuinfo, List<String> maps, String launcherReason) {
        Optional<String> vendor =
                cpuinfo.stream()
                        .filter(l -> l.startsWith("vendor_id"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim())
                        .findFirst();
        Optional<String> shim =
                maps.stream()
                        .filter(l -> l.indexOf('/') >= 0)
                        .map(l -> l.substring(l.indexOf('/')))
                        .filter(f -> f.substring(f.lastIndexOf('/') + 1).startsWith(SHIM_NAME))
                        .findFirst();
        List<String> flags =
                cpuinfo.stream()
                        .filter(l -> l.startsWith("flags"))
                        .map(l -> List.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
                        .findFirst()
                        .orElse(List.of());
        boolean avx512 = flags.containsAll(List.of("avx512f", "avx512bw", "avx512dq", "avx512vl"));
        if (vendor.isEmpty()) {
            return new GemmPath("unknown", "no x86 vendor_id in /proc/cpuinfo", null, avx512);
        }
        if (vendor.get().equals("GenuineIntel")) {
            return new GemmPath("mkl-intel", "GenuineIntel: MKL's own dispatch", null, avx512);
        }
        if (shim.isPresent()) {
            return new GemmPath(
                    "mkl-fast",
                    vendor.get() + ", MKL's feature-based kernels via the preloaded " + shim.get(),
                    "AMOS_MKL_FAST=0",
                    avx512);
        }
        String why =
                launcherReason != null
                        ? launcherReason
                        : "the shim is not preloaded (started without ./amos)";
        boolean canBeFast = flags.containsAll(List.of("avx2", "fma"));
        return new GemmPath(
                "mkl-generic",
                vendor.get() + ", MKL's generic kernels: " + why,
                canBeFast ? "AMOS_MKL_FAST=1" : null,
                avx512);
    }

    /** The name of the other MKL path of this CPU, when there is one ({@link #otherPathSwitch}). */
    Optional<String> otherName() {
        return otherPathSwitch == null
                ? Optional.empty()
                : Optional.of(fast() ? "mkl-generic" : "mkl-fast");
    }

    private static List<String> read(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return name + " (" + detail + ")";
    }
}
