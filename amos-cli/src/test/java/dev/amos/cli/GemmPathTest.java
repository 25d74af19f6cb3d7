package dev.amos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GemmPath} from the text of /proc/cpuinfo and /proc/self/maps. */
class GemmPathTest {

    private static final List<String> AMD = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "flags\t\t: fpu avx2 fma");
    private static final List<String> INTEL = List.of("vendor_id\t: GenuineIntel");
    /** A cache folder with a space in its name, under the user's home (the launcher's default place). */
    private static final String SHIM = System.getProperty("user.home") + "/a b/.cache/amos/native/libamos-mkl-intel-cpu-true-1774253685.so";
    private static final List<String> MAPS_WITH_SHIM = List.of(
            "7f1c2a000000-7f1c2a001000 r-xp 00001000 08:01 123 " + SHIM,
            "7f1c2b000000-7f1c2b100000 rw-p 00000000 00:00 0 ");
    private static final List<String> MAPS_WITHOUT = List.of(
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
        assertTrue(GemmPath.of(AMD, MAPS_WITHOUT, null).detail().contains("started without ./amos"));
    }

    @Test
    void intelIsMklsOwnDispatchEvenWithTheShim() {
        assertEquals("mkl-intel", GemmPath.of(INTEL, MAPS_WITH_SHIM, null).name());
        assertEquals("unknown", GemmPath.of(List.of(), MAPS_WITH_SHIM, null).name());
    }
}
