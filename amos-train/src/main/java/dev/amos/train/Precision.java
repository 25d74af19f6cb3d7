package dev.amos.train;

import com.google.gson.JsonObject;

/**
 * The arithmetic a run uses, recorded in its {@code config.json}. Always float32 weights,
 * activations and gradients (DJL 0.25's PyTorch JNI has neither bf16 training nor autocast).
 * Opt-in: float32 matrix products on TF32 tensor cores (Ampere and newer GPUs), switched on by
 * {@code ./amos --tf32} or {@code AMOS_TF32=1}, which set PyTorch's {@value #TF32_VARIABLE}=1
 * before the JVM starts (PyTorch reads it when it loads, so it cannot be set from Java). TF32
 * rounds the inputs of each product to a 10-bit mantissa (relative error about 5e-4 per product,
 * accumulation stays float32); the CPU ignores it. See docs/gpu.md.
 */
public final class Precision {

    /** The environment variable PyTorch reads: 1 lets cuBLAS use TF32 for float32 matmuls. */
    public static final String TF32_VARIABLE = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE";

    private Precision() {}

    /** Whether this process was started with TF32 matmuls allowed. */
    public static boolean tf32() {
        return "1".equals(System.getenv(TF32_VARIABLE));
    }

    /** {@code {"dtype": "float32", "tf32_matmul": true|false}}. */
    public static JsonObject toJson() {
        JsonObject p = new JsonObject();
        p.addProperty("dtype", "float32");
        p.addProperty("tf32_matmul", tf32());
        return p;
    }
}
