package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link GemmPeak}: warm-up runs are not timed, the peak is the median of the fastest timed runs.
 */
class GemmPeakTest {

    /** 2 * 1000^3 FLOPs per run: a run of d seconds is 2/d GFLOP/s. */
    private static final int N = 1000;

    /**
     * A fake clock that moves only while a run runs, by the next of {@code seconds}: the first runs
     * take the first durations.
     */
    private static GemmPeak timeFake(int warmup, int timed, int best, double... seconds) {
        AtomicLong now = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        GemmPeak peak =
                GemmPeak.time(
                        N,
                        warmup,
                        timed,
                        best,
                        now::get,
                        () -> now.addAndGet(Math.round(seconds[calls.getAndIncrement()] * 1e9)));
        assertEquals(warmup + timed, calls.get(), "every warm-up and timed run ran once");
        return peak;
    }

    @Test
    void thePeakIsTheMedianOfTheFastestTimedRuns() {
        // timed runs of 4, 1, 8, 2, 16, 0.5 s -> 0.5, 2, 0.25, 1, 0.125, 4 GFLOP/s; the best 3 are
        // 4, 2, 1
        GemmPeak p = timeFake(0, 6, 3, 4, 1, 8, 2, 16, 0.5);
        assertEquals(2e9, p.flops(), 1);
        assertEquals(0.125e9, p.minFlops(), 1);
        assertEquals(4e9, p.maxFlops(), 1);
        // the best 4 are 4, 2, 1, 0.5: their median lies between the middle two
        assertEquals(1.5e9, timeFake(0, 6, 4, 4, 1, 8, 2, 16, 0.5).flops(), 1);
        // best 1 is the fastest run, best = timed the median of all
        assertEquals(4e9, timeFake(0, 6, 1, 4, 1, 8, 2, 16, 0.5).flops(), 1);
        assertEquals(0.75e9, timeFake(0, 6, 6, 4, 1, 8, 2, 16, 0.5).flops(), 1);
    }

    @Test
    void warmupRunsAreNeitherThePeakNorInTheRange() {
        // two warm-up runs far faster (0.001 s: 2000 GFLOP/s) and slower (100 s) than any timed run
        GemmPeak p = timeFake(2, 4, 2, 0.001, 100, 2, 1, 4, 2);
        assertArrayEquals(new double[] {1e9, 2e9, 0.5e9, 1e9}, p.runFlops(), 1);
        assertEquals(1.5e9, p.flops(), 1); // best 2 of 1, 2, 0.5, 1 GFLOP/s: 2 and 1
        assertEquals(0.5e9, p.minFlops(), 1);
        assertEquals(2e9, p.maxFlops(), 1);
        assertEquals(2, p.warmup());
        assertEquals(2, p.best());
    }

    @Test
    void theJsonLineCarriesThePeakItsRangeAndHowItWasMeasured() {
        JsonObject j = new JsonObject();
        timeFake(2, 4, 3, 1, 1, 2, 1, 4, 0.5).addTo(j); // 1, 2, 0.5, 4 GFLOP/s: best 3 are 4, 2, 1
        assertEquals(2_000_000_000L, j.get("peak_flops").getAsLong());
        assertEquals(500_000_000L, j.get("peak_flops_min").getAsLong());
        assertEquals(4_000_000_000L, j.get("peak_flops_max").getAsLong());
        assertEquals(
                "fp32 GEMM 1000^3: median of the best 3 of 4 timed runs after 2 warm-up",
                j.get("peak_runs").getAsString());
    }

    @Test
    void countsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> timeFake(0, 3, 4, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> timeFake(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> timeFake(-1, 1, 1, 1));
    }

    @Test
    void aRealProductOnTheCpuGivesAPeakInsideItsRange() {
        GemmPeak p = GemmPeak.measure(Device.cpu(), 128, 1, 4, 2);
        assertEquals(4, p.runFlops().length);
        assertTrue(
                p.flops() > 0 && p.minFlops() <= p.flops() && p.flops() <= p.maxFlops(),
                p.toString());
    }
}
