package dev.amos.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A text progress bar for long jobs (corpus tokenization, training), written to a stream (normally
 * {@code System.err}).
 *
 * <p>On a terminal it redraws one line in place with {@code \r}, at most about five times per
 * second, and ends it with a newline on {@link #close()}:
 *
 * <pre>
 * tokenize [##########----------]  51.2%  52.1/101.9 MB  10.4 MB/s  ETA 0:00:04 | 12.3 M tokens
 * </pre>
 *
 * <p>When the stream is not a terminal (a log file, a CI job) it writes no control characters: one
 * plain line every {@link #LOG_INTERVAL_MILLIS} and a last line on {@link #close()}.
 *
 * <p>Amounts are plain counts ({@link Unit#COUNT}, rate in {@code it/s}) or bytes ({@link
 * Unit#BYTES}, shown in MB and MB/s). The rate and ETA use the average speed since the bar was
 * created. A total of zero or less means "unknown": no bar and no ETA. Not thread-safe: update it
 * from one thread.
 */
public final class ProgressBar implements AutoCloseable {

    /** How amounts are written. */
    public enum Unit {
        /** Plain counts: steps, lines, examples. */
        COUNT,
        /** Bytes, shown in MB (10^6 bytes). */
        BYTES
    }

    /** Minimum time between two redraws on a terminal (at most about 5 per second). */
    public static final long REDRAW_INTERVAL_MILLIS = 200;

    /** Minimum time between two plain lines when the stream is not a terminal. */
    public static final long LOG_INTERVAL_MILLIS = 30_000;

    private static final int BAR_WIDTH = 20;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final Unit unit;
    private final boolean interactive;
    private final LongSupplier clockNanos;
    private final long startNanos;

    private long done;
    private String suffix = "";
    private long lastDrawNanos;
    private boolean drawnOnce;
    private int lastLineLength;
    private boolean closed;

    /**
     * A counting bar on {@code out}; interactive (redrawn in place) when the JVM has a console.
     *
     * @param label what is being done, printed first
     * @param total the amount at completion, or 0 if unknown
     * @param out where to draw, normally {@code System.err}
     */
    public ProgressBar(String label, long total, PrintStream out) {
        this(label, total, out, Unit.COUNT, System.console() != null);
    }

    /**
     * A bar with an explicit unit and mode.
     *
     * @param label what is being done, printed first
     * @param total the amount at completion, or 0 if unknown
     * @param out where to draw
     * @param unit how amounts are written
     * @param interactive true to redraw one line with {@code \r}, false for occasional plain lines
     */
    public ProgressBar(String label, long total, PrintStream out, Unit unit, boolean interactive) {
        this(label, total, out, unit, interactive, System::nanoTime);
    }

    ProgressBar(
            String label,
            long total,
            PrintStream out,
            Unit unit,
            boolean interactive,
            LongSupplier clockNanos) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.unit = unit;
        this.interactive = interactive;
        this.clockNanos = clockNanos;
        this.startNanos = clockNanos.getAsLong();
        this.lastDrawNanos = startNanos;
    }

    /**
     * A byte-counting bar (MB, MB/s), interactive when the JVM has a console.
     *
     * @param label what is being done
     * @param totalBytes the number of bytes at completion, or 0 if unknown
     * @param out where to draw
     * @return the bar
     */
    public static ProgressBar forBytes(String label, long totalBytes, PrintStream out) {
        return new ProgressBar(label, totalBytes, out, Unit.BYTES, System.console() != null);
    }

    /**
     * Records progress; draws if enough time passed since the last draw.
     *
     * @param done the amount done so far (not an increment)
     */
    public void update(long done) {
        update(done, suffix);
    }

    /**
     * Records progress and the text shown after the bar (e.g. {@code "loss 3.21 | 5.2k tok/s"}).
     *
     * @param done the amount done so far (not an increment)
     * @param suffix extra text shown after the bar; null for none
     */
    public void update(long done, String suffix) {
        if (closed) {
            return;
        }
        this.done = done;
        this.suffix = suffix == null ? "" : suffix;
        long now = clockNanos.getAsLong();
        long sinceLastDrawMillis = (now - lastDrawNanos) / 1_000_000L;
        if (interactive) {
            if (!drawnOnce || sinceLastDrawMillis >= REDRAW_INTERVAL_MILLIS) {
                draw(now);
            }
        } else if (sinceLastDrawMillis >= LOG_INTERVAL_MILLIS) {
            draw(now);
        }
    }

    /** Draws the final state and ends the line. Later calls do nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        draw(clockNanos.getAsLong());
        if (interactive) {
            out.println();
        }
        out.flush();
        closed = true;
    }

    /**
     * The current line as it would be drawn now, without control characters.
     *
     * @return the text of the bar
     */
    public String render() {
        return render(clockNanos.getAsLong());
    }

    private void draw(long now) {
        String line = render(now);
        if (interactive) {
            int padding = Math.max(0, lastLineLength - line.length());
            out.print("\r" + line + " ".repeat(padding));
            lastLineLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
        lastDrawNanos = now;
        drawnOnce = true;
    }

    private String render(long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / seconds;
        StringBuilder line = new StringBuilder(label);
        if (total > 0) {
            double fraction = Math.min(1.0, Math.max(0.0, (double) done / total));
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            line.append(" [")
                    .append("#".repeat(filled))
                    .append("-".repeat(BAR_WIDTH - filled))
                    .append("] ")
                    .append(String.format(Locale.ROOT, "%5.1f%%", 100 * fraction));
        }
        line.append("  ").append(amount(done));
        if (total > 0) {
            line.append('/').append(amount(total));
        }
        line.append(unit == Unit.BYTES ? " MB" : "");
        line.append("  ").append(rate(rate));
        if (total > 0) {
            line.append("  ");
            line.append(done >= total ? "elapsed " + clock(seconds) : "ETA " + eta(rate));
        }
        if (!suffix.isEmpty()) {
            line.append(" | ").append(suffix);
        }
        return line.toString();
    }

    private String amount(long value) {
        if (unit == Unit.BYTES) {
            return String.format(Locale.ROOT, "%.1f", value / 1e6);
        }
        return Long.toString(value);
    }

    private String rate(double perSecond) {
        if (unit == Unit.BYTES) {
            return String.format(Locale.ROOT, "%.1f MB/s", perSecond / 1e6);
        }
        return perSecond >= 10
                ? String.format(Locale.ROOT, "%.0f it/s", perSecond)
                : String.format(Locale.ROOT, "%.2f it/s", perSecond);
    }

    private String eta(double rate) {
        if (rate <= 0) {
            return "?";
        }
        return clock((total - done) / rate);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
