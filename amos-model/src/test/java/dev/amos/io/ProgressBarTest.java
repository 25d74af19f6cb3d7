package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private final AtomicLong nanos = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void interactiveBarRedrawsAtMostFiveTimesPerSecondAndEndsWithNewline() {
        ProgressBar bar =
                new ProgressBar(
                        "tokenize", 100_000_000, out, ProgressBar.Unit.BYTES, true, nanos::get);
        for (int i = 1; i <= 100; i++) {
            nanos.addAndGet(10_000_000L); // 10 ms per update: 1 s in total
            bar.update(i * 1_000_000L, "step " + i);
        }
        bar.close();
        String text = output();
        long redraws = text.chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 5 && redraws <= 7, "redraws: " + redraws);
        assertTrue(text.endsWith("\n"));
        assertEquals(1, text.chars().filter(c -> c == '\n').count());
        String last = text.substring(text.lastIndexOf('\r') + 1).strip();
        assertTrue(
                last.startsWith(
                        "tokenize [####################] 100.0%  100.0/100.0 MB  100.0 MB/s"),
                last);
        assertTrue(last.endsWith("| step 100"), last);
    }

    @Test
    void etaUsesTheAverageRate() {
        ProgressBar bar =
                new ProgressBar("train", 1000, out, ProgressBar.Unit.COUNT, true, nanos::get);
        nanos.set(10_000_000_000L); // 10 s for 250 steps: 25 it/s, 750 left: 30 s
        bar.update(250, "loss 3.2");
        assertEquals(
                "train [#####---------------]  25.0%  250/1000  25 it/s  ETA 0:00:30 | loss 3.2",
                bar.render());
    }

    @Test
    void plainStreamGetsOccasionalLinesWithoutCarriageReturns() {
        ProgressBar bar =
                new ProgressBar("train", 1000, out, ProgressBar.Unit.COUNT, false, nanos::get);
        for (int i = 1; i <= 1000; i++) {
            nanos.addAndGet(100_000_000L); // 100 s in total: a line every 30 s
            bar.update(i);
        }
        bar.close();
        String text = output();
        assertFalse(text.contains("\r"));
        assertEquals(4, text.lines().count(), text);
        assertTrue(text.lines().reduce((a, b) -> b).orElseThrow().contains("1000/1000"));
    }

    @Test
    void unknownTotalShowsNoBarAndCloseIsIdempotent() {
        ProgressBar bar =
                new ProgressBar("read", 0, out, ProgressBar.Unit.COUNT, false, nanos::get);
        bar.update(42);
        bar.close();
        bar.close();
        bar.update(43);
        assertEquals(1, output().lines().count());
        assertFalse(output().contains("["));
        assertFalse(output().contains("ETA"));
    }
}
