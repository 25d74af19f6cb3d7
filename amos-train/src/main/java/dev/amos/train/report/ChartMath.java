package dev.amos.train.report;

/** The numbers behind {@link LineChart}: tick patterns, log-axis bounds, smoothing, gaps. */
final class ChartMath {

    private ChartMath() {}

    /**
     * The tick label pattern for an axis over [lo, hi]: one decimal more than the span's leading
     * digit (XChart's ticks are 1, 2 or 5 times a power of ten, about a tenth of the span apart),
     * with a leading zero ({@code 0.0005}, not XChart's default {@code .0005}); scientific notation
     * for very small or very large spans.
     */
    static String decimalPattern(double lo, double hi) {
        double span = hi - lo;
        double magnitude = span > 0 ? span : Math.max(Math.abs(lo), Math.abs(hi));
        if (!(magnitude > 0)) {
            return "0";
        }
        int place = (int) Math.floor(Math.log10(magnitude));
        if (place < -5 || place > 6) {
            return "0.##E0";
        }
        int decimals = Math.max(0, 1 - place);
        return decimals == 0 ? "#,##0" : "#,##0." + "#".repeat(decimals);
    }

    /**
     * [lo, hi] widened until it holds two powers of ten: each step moves the end that costs the
     * least log range to the next power of ten beyond it (at most two steps).
     */
    static double[] decadeBounds(double lo, double hi) {
        double logLo = Math.log10(lo);
        double logHi = Math.log10(hi);
        double[] bounds = {lo, hi};
        while (Math.floor(logHi + 1e-9) - Math.ceil(logLo - 1e-9) < 1) {
            double below = Math.floor(logLo - 1e-9);
            double above = Math.ceil(logHi + 1e-9);
            if (logLo - below <= above - logHi) {
                logLo = below;
                bounds[0] = Math.pow(10, below);
            } else {
                logHi = above;
                bounds[1] = Math.pow(10, above);
            }
        }
        return bounds;
    }

    /**
     * x values with non-finite ones replaced by a neighbour's (their y is NaN, so nothing is drawn
     * there).
     */
    static double[] finiteX(double[] x) {
        double[] out = x.clone();
        double last = Double.NaN;
        for (double v : x) {
            if (Double.isFinite(v)) {
                last = v;
                break;
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (Double.isFinite(out[i])) {
                last = out[i];
            } else {
                out[i] = Double.isNaN(last) ? 0 : last;
            }
        }
        return out;
    }

    /**
     * Trailing moving average over the last {@code window} finite values; NaN where the input is
     * NaN.
     */
    static double[] movingAverage(double[] values, int window) {
        double[] out = new double[values.length];
        double[] recent = new double[window];
        int count = 0;
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)) {
                out[i] = Double.NaN;
                continue;
            }
            int slot = count % window;
            if (count >= window) {
                sum -= recent[slot];
            }
            recent[slot] = v;
            sum += v;
            count++;
            out[i] = sum / Math.min(count, window);
        }
        return out;
    }
}
