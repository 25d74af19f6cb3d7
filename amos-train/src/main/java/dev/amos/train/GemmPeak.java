package dev.amos.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The practical GEMM peak of a device, the figure {@code mfu} divides by on a CPU: the FLOP/s of an
 * n x n x n float32 matrix product through the engine, run a few times untimed (warm-up: thread
 * team, kernel dispatch, first touch of the output), then timed several times. The peak is the
 * median of the fastest {@code best} timed runs: a run can only be slowed by other work on the
 * machine, never sped up, so the fastest runs are the machine's own figure, and their median keeps
 * one lucky run from setting it. The range of all timed runs says how steady the machine was
 * meanwhile.
 */
public final class GemmPeak {

    /** Matrix size of the default measurement (2048^3: 17.2 GFLOP, well past every cache). */
    public static final int DEFAULT_SIZE = 2048;

    /** Untimed runs before the timed ones. */
    public static final int DEFAULT_WARMUP = 2;

    /** Timed runs. */
    public static final int DEFAULT_TIMED = 8;

    /** How many of the fastest timed runs the peak is the median of. */
    public static final int DEFAULT_BEST = 3;

    private final int size;
    private final int warmup;
    private final int best;
    private final double[] runFlops;
    private final double flops;

    private GemmPeak(int size, int warmup, int best, double[] runFlops) {
        this.size = size;
        this.warmup = warmup;
        this.best = best;
        this.runFlops = runFlops;
        double[] fastest = runFlops.clone();
        Arrays.sort(fastest);
        this.flops =
                Bench.quantile(
                        Arrays.copyOfRange(fastest, fastest.length - best, fastest.length), 0.5);
    }

    /**
     * The default measurement: 2 warm-up and 8 timed 2048^3 products, peak = median of the best 3.
     */
    public static GemmPeak measure(Device device) {
        return measure(device, DEFAULT_SIZE, DEFAULT_WARMUP, DEFAULT_TIMED, DEFAULT_BEST);
    }

    /**
     * Times {@code timed} n x n x n float32 products on {@code device} after {@code warmup} untimed
     * ones; each run ends with one host read, so its time includes all of the device's work.
     */
    public static GemmPeak measure(Device device, int size, int warmup, int timed, int best) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = m.randomNormal(new Shape(size, size));
            NDArray b = m.randomNormal(new Shape(size, size));
            return time(
                    size,
                    warmup,
                    timed,
                    best,
                    System::nanoTime,
                    () -> {
                        try (NDScope scope = new NDScope()) {
                            a.matMul(b).sum().getFloat();
                        }
                    });
        }
    }

    /**
     * Runs {@code product} {@code warmup} times untimed, then {@code timed} times, each timed by
     * {@code nanoClock}, and takes every timed run as 2 size^3 FLOPs.
     *
     * @throws IllegalArgumentException when a count is out of range ({@code 1 <= best <= timed})
     */
    static GemmPeak time(
            int size, int warmup, int timed, int best, LongSupplier nanoClock, Runnable product) {
        if (size < 1 || warmup < 0 || timed < 1 || best < 1 || best > timed) {
            throw new IllegalArgumentException(
                    "expected size >= 1, warmup >= 0 and 1 <= best <= timed, got size "
                            + size
                            + ", warmup "
                            + warmup
                            + ", timed "
                            + timed
                            + ", best "
                            + best);
        }
        for (int i = 0; i < warmup; i++) {
            product.run();
        }
        double work = 2.0 * size * size * size;
        double[] runFlops = new double[timed];
        for (int i = 0; i < timed; i++) {
            long t0 = nanoClock.getAsLong();
            product.run();
            long nanos = nanoClock.getAsLong() - t0;
            runFlops[i] = work / (Math.max(nanos, 1) / 1e9);
        }
        return new GemmPeak(size, warmup, best, runFlops);
    }

    /** The peak: FLOP/s, the median of the {@link #best()} fastest timed runs. */
    public double flops() {
        return flops;
    }

    /** FLOP/s of the slowest timed run. */
    public double minFlops() {
        return Arrays.stream(runFlops).min().orElseThrow();
    }

    /** FLOP/s of the fastest timed run. */
    public double maxFlops() {
        return Arrays.stream(runFlops).max().orElseThrow();
    }

    /** FLOP/s of every timed run, in the order they ran (warm-up runs excluded). */
    public double[] runFlops() {
        return runFlops.clone();
    }

    /** The matrix size n of the n x n x n products. */
    public int size() {
        return size;
    }

    /** Untimed runs before the timed ones. */
    public int warmup() {
        return warmup;
    }

    /** How many of the fastest timed runs the peak is the median of. */
    public int best() {
        return best;
    }

    /** Adds {@code peak_flops}, its range and how it was measured to {@code json}. */
    public void addTo(JsonObject json) {
        json.addProperty("peak_flops", Math.round(flops));
        json.addProperty("peak_flops_min", Math.round(minFlops()));
        json.addProperty("peak_flops_max", Math.round(maxFlops()));
        json.addProperty("peak_runs", describe());
    }

    /** E.g. "fp32 GEMM 2048^3: median of the best 3 of 8 timed runs after 2 warm-up". */
    public String describe() {
        return "fp32 GEMM "
                + size
                + "^3: median of the best "
                + best
                + " of "
                + runFlops.length
                + " timed runs after "
                + warmup
                + " warm-up";
    }

    /** E.g. "363.1 GFLOP/s (timed runs 301.4-370.2; fp32 GEMM 2048^3: ...)". */
    @Override
    public String toString() {
        return String.format(
                "%.1f GFLOP/s (timed runs %.1f-%.1f; %s)",
                flops / 1e9, minFlops() / 1e9, maxFlops() / 1e9, describe());
    }
}
