package dev.amos.io;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Map;

/**
 * Hands glibc malloc's free pages back to the OS ({@code malloc_trim(0)}). With the launcher's
 * default {@code AMOS_MALLOC=heap} tensors stay on malloc's heap between steps (no mmap, munmap and
 * page faults per large tensor), which makes the resident set creep as free holes collect; the
 * training loop trims every {@link #EVERY_STEPS} steps, which costs one step's page faults per that
 * many steps and keeps long runs flat (docs/performance.md, "Tensor memory"), and {@code amos
 * embed} after every window of batches. A no-op where the C library has no {@code malloc_trim} (not
 * glibc).
 */
public final class NativeHeap {

    /** Steps between trims. */
    public static final int EVERY_STEPS = 100;

    private static final Function TRIM = lookup();

    private NativeHeap() {}

    private static Function lookup() {
        try {
            return NativeLibrary.getInstance("c").getFunction("malloc_trim");
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /**
     * Trims at the middle of every {@link #EVERY_STEPS}-step period (not at the steps that log
     * RSS).
     */
    public static void afterStep(long step) {
        if (step % EVERY_STEPS == EVERY_STEPS / 2) {
            trim();
        }
    }

    /**
     * @return true when malloc_trim ran and released memory
     */
    public static boolean trim() {
        return TRIM != null && TRIM.invokeInt(new Object[] {0}) == 1;
    }

    /**
     * Whether glibc's malloc, as {@code env} configures it, keeps memory once touched for reuse
     * without page faults: no allocation is mmapped ({@code MALLOC_MMAP_MAX_=0}), every thread
     * allocates from the one main heap ({@code MALLOC_ARENA_MAX=1}; the other arenas' 64 MiB heaps
     * are unmapped when they empty) and a free does not hand pages back below {@code minBytes}
     * ({@code MALLOC_TRIM_THRESHOLD_} at least that). The launcher's {@code AMOS_MALLOC=heap}.
     */
    public static boolean keepsFreedMemory(Map<String, String> env, long minBytes) {
        if (!"0".equals(env.get("MALLOC_MMAP_MAX_")) || !"1".equals(env.get("MALLOC_ARENA_MAX"))) {
            return false;
        }
        try {
            return Long.parseLong(env.getOrDefault("MALLOC_TRIM_THRESHOLD_", "0").trim())
                    >= minBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Faults in {@code bytes} of fresh heap memory on the calling thread and frees it again: one
     * zero-filled array, closed at once. Where {@link #keepsFreedMemory} holds, the pages stay
     * resident at the heap's top, and later allocations that find no free block to reuse (e.g.
     * while libtorch's profiler keeps its records between them) take them without a page fault.
     */
    public static void pretouch(NDManager manager, long bytes) {
        try (NDManager m = manager.newSubManager()) {
            m.zeros(new Shape(Math.max(1, bytes / 4)), DataType.FLOAT32);
        }
    }
}
