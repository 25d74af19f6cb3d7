package dev.amos.train.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tick positions and labels of a chart axis: "nice" round numbers (1, 2, 2.5, 5 times a power of
 * ten) on a linear axis, and 1/2/5 (or 1..9) times powers of ten on a logarithmic one.
 *
 * @param values the tick values, ascending, in data units
 * @param labels the text of each tick
 */
record AxisTicks(double[] values, String[] labels) {

    private static final double[] NICE_STEPS = {1, 2, 2.5, 5, 10};

    /** At most about {@code maxTicks} nice ticks inside [lo, hi]. */
    static AxisTicks linear(double lo, double hi, int maxTicks) {
        return linear(lo, hi, maxTicks, 0);
    }

    /** Nice ticks inside [lo, hi], spaced at least {@code minStep} apart (1 for integer data such as steps). */
    static AxisTicks linear(double lo, double hi, int maxTicks, double minStep) {
        double step = Math.max(minStep, niceStep((hi - lo) / Math.max(1, maxTicks - 1)));
        return ticks(Math.ceil(lo / step - 1e-9) * step, hi, step);
    }

    /**
     * Nice ticks whose first is at or below {@code lo} and last at or above {@code hi}: the axis
     * then runs from the first tick to the last, so both ends are labeled.
     */
    static AxisTicks covering(double lo, double hi, int maxTicks) {
        double step = niceStep((hi - lo) / Math.max(1, maxTicks - 1));
        double first = Math.floor(lo / step + 1e-9) * step;
        double last = Math.ceil(hi / step - 1e-9) * step;
        return ticks(first, last, step);
    }

    private static AxisTicks ticks(double first, double last, double step) {
        List<Double> ticks = new ArrayList<>();
        for (double v = first; v <= last + step * 1e-9; v = first + ticks.size() * step) {
            ticks.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
        }
        double[] values = ticks.stream().mapToDouble(Double::doubleValue).toArray();
        return new AxisTicks(values, linearLabels(values, step));
    }

    /** Ticks of a log10 axis over [lo, hi] (both > 0). */
    static AxisTicks logarithmic(double lo, double hi, int maxTicks) {
        double[][] mantissaSets = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1}};
        for (double[] mantissas : mantissaSets) {
            List<Double> ticks = logCandidates(lo, hi, mantissas);
            if (ticks.size() <= maxTicks && ticks.size() >= 2) {
                return ofValues(ticks);
            }
        }
        List<Double> decades = logCandidates(lo, hi, new double[] {1});
        if (decades.size() >= 2) {
            int stride = (int) Math.ceil(decades.size() / (double) maxTicks);
            List<Double> thinned = new ArrayList<>();
            for (int i = 0; i < decades.size(); i += stride) {
                thinned.add(decades.get(i));
            }
            return ofValues(thinned);
        }
        AxisTicks inside = linear(lo, hi, maxTicks);
        List<Double> positive = new ArrayList<>();
        for (double v : inside.values) {
            if (v > 0) {
                positive.add(v);
            }
        }
        return ofValues(positive);
    }

    private static List<Double> logCandidates(double lo, double hi, double[] mantissas) {
        List<Double> ticks = new ArrayList<>();
        int firstDecade = (int) Math.floor(Math.log10(lo));
        int lastDecade = (int) Math.ceil(Math.log10(hi));
        for (int decade = firstDecade; decade <= lastDecade; decade++) {
            for (double m : mantissas) {
                double v = roundSignificant(m * Math.pow(10, decade), 6);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                    ticks.add(v);
                }
            }
        }
        return ticks;
    }

    private static AxisTicks ofValues(List<Double> ticks) {
        double[] values = ticks.stream().mapToDouble(Double::doubleValue).toArray();
        String[] labels = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            labels[i] = compact(values[i], 3);
        }
        return new AxisTicks(values, labels);
    }

    /** The nice number (1, 2, 2.5 or 5 times a power of ten) at or above {@code rough}. */
    static double niceStep(double rough) {
        if (!(rough > 0) || Double.isInfinite(rough)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double nice : NICE_STEPS) {
            if (nice * magnitude >= rough * (1 - 1e-9)) {
                return nice * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String[] linearLabels(double[] values, double step) {
        double largest = 0;
        for (double v : values) {
            largest = Math.max(largest, Math.abs(v));
        }
        String[] labels = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            labels[i] = linearLabel(values[i], step, largest);
        }
        return labels;
    }

    private static String linearLabel(double v, double step, double largest) {
        if (v == 0) {
            return "0";
        }
        if (largest >= 1e5) {
            boolean millions = largest >= 1e7;
            double unit = millions ? 1e6 : 1e3;
            return fixed(v / unit, step / unit) + (millions ? "M" : "k");
        }
        if (largest < 1e-2) {
            return compact(v, 3);
        }
        return fixed(v, step);
    }

    /** {@code v} with as many decimals as the step needs (0.25 steps get two). */
    private static String fixed(double v, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        while (decimals < 8 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * Short text for a number with at most {@code significant} digits: plain for ordinary
     * magnitudes ({@code 0.25}, {@code 1200}), {@code 2.5e-4} for small and large ones.
     */
    static String compact(double v, int significant) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        if (abs >= 1e-3 && abs < 1e6) {
            return new BigDecimal(v).round(new MathContext(significant)).stripTrailingZeros().toPlainString();
        }
        int exponent = (int) Math.floor(Math.log10(abs));
        double mantissa = roundSignificant(v / Math.pow(10, exponent), significant);
        if (Math.abs(mantissa) >= 10) {
            mantissa /= 10;
            exponent++;
        }
        String m = new BigDecimal(mantissa).round(new MathContext(significant)).stripTrailingZeros().toPlainString();
        return m + "e" + exponent;
    }

    private static double roundSignificant(double v, int significant) {
        return new BigDecimal(v).round(new MathContext(significant)).doubleValue();
    }
}
