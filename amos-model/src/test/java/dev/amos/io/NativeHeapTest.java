package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link NativeHeap#keepsFreedMemory}: only the launcher's heap setting keeps touched memory. */
class NativeHeapTest {

    private static final long GIB = 1L << 30;

    private static Map<String, String> heap() {
        return new HashMap<>(
                Map.of(
                        "MALLOC_MMAP_MAX_",
                        "0",
                        "MALLOC_TRIM_THRESHOLD_",
                        "17179869184",
                        "MALLOC_ARENA_MAX",
                        "1"));
    }

    @Test
    void theLaunchersHeapSettingKeepsFreedMemoryUpToItsTrimThreshold() {
        assertTrue(NativeHeap.keepsFreedMemory(heap(), 3 * GIB));
        assertTrue(NativeHeap.keepsFreedMemory(heap(), 16 * GIB));
        assertFalse(
                NativeHeap.keepsFreedMemory(heap(), 17 * GIB),
                "a free above the trim threshold hands pages back");
    }

    @Test
    void anyOtherSettingReturnsFreedMemory() {
        assertFalse(NativeHeap.keepsFreedMemory(Map.of(), GIB), "glibc's defaults");
        assertFalse(
                NativeHeap.keepsFreedMemory(Map.of("MALLOC_MMAP_THRESHOLD_", "1048576"), GIB),
                "AMOS_MALLOC=mmap");
        Map<String, String> arenas = heap();
        arenas.remove("MALLOC_ARENA_MAX");
        assertFalse(
                NativeHeap.keepsFreedMemory(arenas, GIB),
                "per-thread arenas unmap their heaps when they empty");
        Map<String, String> mapped = heap();
        mapped.put("MALLOC_MMAP_MAX_", "65536");
        assertFalse(NativeHeap.keepsFreedMemory(mapped, GIB), "large blocks mmapped");
        Map<String, String> garbage = heap();
        garbage.put("MALLOC_TRIM_THRESHOLD_", "lots");
        assertFalse(NativeHeap.keepsFreedMemory(garbage, GIB));
    }
}
