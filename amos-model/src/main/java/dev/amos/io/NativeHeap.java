package dev.amos.io;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Hands glibc malloc's free pages back to the OS ({@code malloc_trim(0)}). With the launcher's
 * default {@code AMOS_MALLOC=heap} tensors stay on malloc's heap between steps (no mmap, munmap
 * and page faults per large tensor), which makes the resident set creep as free holes collect;
 * the training loop trims every {@link #EVERY_STEPS} steps, which costs one step's page faults
 * per that many steps and keeps long runs flat (docs/performance.md, "Tensor memory"), and
 * {@code amos embed} after every window of batches. A no-op where the C library has no {@code
 * malloc_trim} (not glibc).
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

    /** Trims at the middle of every {@link #EVERY_STEPS}-step period (not at the steps that log RSS). */
    public static void afterStep(long step) {
        if (step % EVERY_STEPS == EVERY_STEPS / 2) {
            trim();
        }
    }

    /** @return true when malloc_trim ran and released memory */
    public static boolean trim() {
        return TRIM != null && TRIM.invokeInt(new Object[] {0}) == 1;
    }
}
