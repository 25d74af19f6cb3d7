package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link GemmPath} from the text of /proc/cpuinfo and /proc/self/maps. */
class GemmPathTest {

    private static final List<String> AMD =
            List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "flags\t\t: fpu avx2 fma");
    private static final List<String> INTEL = List.of("vendor_id\t: GenuineIntel");

    /**
     * A cache folder with a space in its name, under the user's home (the launcher's default
     * place).
     */
    private static final String SHIM =
            System.getProperty("user.home")
                    + "/a b/.cache/amos/native/libamos-mkl-intel-cpu-true-1774253685.so";

    private static final List<String> MAPS_WITH_SHIM =
            List.of(
                    "7f1c2a000000-7f1c2a001000 r-xp 00001000 08:01 123 " + SHIM,
                    "7f1c2b000000-7f1c2b100000 rw-p 00000000 00:00 0 ");
    private static final List<String> MAPS_WITHOUT =
            List.of(
                    "7f1c2a000000-7f1c2a001000 r-xp 00001000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6",
                    "7f1c2b000000-7f1c2b100000 rw-p 00000000 00:00 0 ");

    @Test
    void aMappedShimOnAmdIsTheFastPathAndNamesTheFile() {
        GemmPath p = GemmPath.of(AMD, MAPS_WITH_SHIM, "ignored when the shim is mapped");
        assertEquals("mkl-fast", p.name());
        assertTrue(p.fast());
        assertTrue(p.detail().endsWith(SHIM), p.detail());
    }

    @Test
    void amdWithoutTheShimIsGenericWithTheLaunchersReason() {
        GemmPath p = GemmPath.of(AMD, MAPS_WITHOUT, "AMOS_MKL_FAST=0");
        assertEquals("mkl-generic", p.name());
        assertFalse(p.fast());
        assertEquals("AuthenticAMD, MKL's generic kernels: AMOS_MKL_FAST=0", p.detail());
        assertTrue(
                GemmPath.of(AMD, MAPS_WITHOUT, null).detail().contains("started without ./amos"));
    }

    @Test
    void intelIsMklsOwnDispatchEvenWithTheShim() {
        assertEquals("mkl-intel", GemmPath.of(INTEL, MAPS_WITH_SHIM, null).name());
        assertEquals("unknown", GemmPath.of(List.of(), MAPS_WITH_SHIM, null).name());
    }

    @Test
    void theOtherPathIsTheFlippedLauncherSettingWhereTheCpuHasOne() {
        GemmPath fast = GemmPath.of(AMD, MAPS_WITH_SHIM, null);
        assertEquals("mkl-generic", fast.otherName().orElseThrow());
        assertEquals("AMOS_MKL_FAST=0", fast.otherPathSwitch());
        GemmPath generic = GemmPath.of(AMD, MAPS_WITHOUT, null);
        assertEquals("mkl-fast", generic.otherName().orElseThrow());
        assertEquals("AMOS_MKL_FAST=1", generic.otherPathSwitch());
        assertFalse(generic.avx512());
        List<String> noFma = List.of("vendor_id\t: AuthenticAMD", "flags\t\t: fpu sse2 avx2");
        assertTrue(
                GemmPath.of(noFma, MAPS_WITHOUT, null).otherName().isEmpty(),
                "the launcher never preloads without fma");
        assertTrue(GemmPath.of(INTEL, MAPS_WITHOUT, null).otherName().isEmpty());
        List<String> avx512 =
                List.of(
                        "vendor_id\t: AuthenticAMD",
                        "flags\t\t: fpu avx2 fma avx512f avx512dq avx512bw avx512vl",
                        "flags\t\t: only the first line counts");
        assertTrue(GemmPath.of(avx512, MAPS_WITHOUT, null).avx512());
    }

    @Test
    void theChildGetsTheSettingAndThisProcesssPreloadWithoutTheShim() {
        Map<String, String> env =
                new HashMap<>(
                        Map.of(
                                "LD_PRELOAD",
                                SHIM.replace(" ", "") + ":/opt/other.so",
                                "AMOS_MKL_FAST",
                                "1"));
        OtherGemmPath.childEnvironment(env, "AMOS_MKL_FAST=0");
        assertEquals(Map.of("LD_PRELOAD", "/opt/other.so", "AMOS_MKL_FAST", "0"), env);
        Map<String, String> onlyShim =
                new HashMap<>(Map.of("LD_PRELOAD", "/c/libamos-mkl-intel-cpu-true-1.so"));
        OtherGemmPath.childEnvironment(onlyShim, "AMOS_MKL_FAST=0");
        assertEquals(Map.of("AMOS_MKL_FAST", "0"), onlyShim);
    }

    @Test
    void theComparisonNamesTheFasterPathAndHowToGetIt() {
        GemmPath generic = GemmPath.of(AMD, MAPS_WITHOUT, null);
        double here = 132e9;
        JsonObject child = new JsonObject();
        child.addProperty("gemm_path", "mkl-fast");
        child.addProperty("peak_flops", 363_000_000_000L);
        child.addProperty("peak_flops_min", 350_000_000_000L);
        child.addProperty("peak_flops_max", 370_000_000_000L);
        OtherGemmPath other = new OtherGemmPath("mkl-fast", "AMOS_MKL_FAST=1", child, null);
        String line = other.compare(generic, here);
        assertTrue(
                line.startsWith(
                        "faster path available via AMOS_MKL_FAST=1: mkl-fast 363.0 GFLOP/s"),
                line);
        assertTrue(line.contains("vs 132.0 on mkl-generic (this process), 2.75x"), line);
        JsonObject j = new JsonObject();
        other.addTo(j, here, generic);
        assertEquals("mkl-fast", j.get("best_gemm_path").getAsString());
        JsonObject slower = new JsonObject();
        new OtherGemmPath("mkl-fast", "AMOS_MKL_FAST=1", child, null).addTo(slower, 400e9, generic);
        assertEquals("mkl-generic", slower.get("best_gemm_path").getAsString());
        assertTrue(
                new OtherGemmPath("mkl-fast", "AMOS_MKL_FAST=1", child, null)
                        .compare(generic, 400e9)
                        .startsWith("this process's path is the faster one"));
    }
}
