package dev.amos.train.report;

import dev.amos.train.report.MetricsLog.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The charts of the training report, built from a run's metrics; each only when its data was
 * logged.
 */
final class ReportCharts {

    /** A chart with the PNG file name it is written to and a caption for the HTML page. */
    record NamedChart(String fileName, String caption, LineChart chart) {}

    /**
     * Every PNG file name the report may write (older reports' leftovers among them get removed).
     */
    static final List<String> FILE_NAMES =
            List.of(
                    "report-loss.png",
                    "report-mask-loss.png",
                    "report-rtd-loss.png",
                    "report-rtd.png",
                    "report-mixture.png",
                    "report-lr.png",
                    "report-throughput.png",
                    "report-grad-norm.png",
                    "report-valid.png");

    /** Ratio of largest to smallest value above which a loss is drawn on a log axis. */
    private static final double LOG_SCALE_RATIO = 10;

    private ReportCharts() {}

    /**
     * @param unigramLoss the training corpus's unigram loss (the plateau of the loss at [MASK]);
     *     NaN when unknown
     */
    static List<NamedChart> build(MetricsLog log, RunInfo run, double unigramLoss) {
        int window = smoothingWindow(log.rows().size());
        double[] steps = log.steps();
        List<NamedChart> charts = new ArrayList<>();
        charts.add(
                new NamedChart(
                        "report-loss.png",
                        "Total loss and the generator's MLM loss per layer",
                        lossChart(log, run, steps, window)));
        if (log.width(Row::mlmLossAtMask) > 0) {
            charts.add(
                    new NamedChart(
                            "report-mask-loss.png",
                            "MLM loss at [MASK] positions (predicted from the context only)"
                                    + " against the corpus's unigram loss (a network that ignores the context stays there)"
                                    + (log.width(Row::mlmLossKept) > 0
                                            ? "; and at the selected positions whose token was kept or"
                                                    + " randomized, which a network can copy"
                                            : ""),
                            maskLossChart(log, run, steps, window, unigramLoss)));
        }
        if (log.hasAny(Row::rtdLoss)) {
            LineChart rtdLoss =
                    new LineChart("Discriminator RTD loss", "step", "binary cross-entropy")
                            .add("RTD loss", steps, log.column(Row::rtdLoss));
            if (log.hasAny(Row::rtdLossConstant)) {
                rtdLoss.add(
                        "constant prediction (the replaced share alone)",
                        steps,
                        log.column(Row::rtdLossConstant));
            }
            rtdLoss.smoothing(window);
            charts.add(
                    new NamedChart(
                            "report-rtd-loss.png",
                            "Replaced-token-detection loss of the discriminator, against the loss of"
                                    + " predicting each batch's replaced share at every token (a"
                                    + " discriminator below that line has learned from the tokens)",
                            rtdLoss));
        }
        if (log.hasAny(Row::rtdAccuracy) || log.hasAny(Row::replacedFraction)) {
            charts.add(
                    new NamedChart(
                            "report-rtd.png",
                            "RTD accuracy and the share of masked tokens whose generator sample differs from the original",
                            rtdChart(log, steps, window)));
        }
        if (log.width(Row::mixtureWeights) > 1) {
            charts.add(
                    new NamedChart(
                            "report-mixture.png",
                            "Mean mixture weight of each generator MLM layer over masked tokens",
                            arrayChart(
                                            new LineChart("Mixture weights", "step", "mean weight"),
                                            log,
                                            run,
                                            steps,
                                            Row::mixtureWeights,
                                            "")
                                    .yRange(0, 1)
                                    .smoothing(window)));
        }
        if (log.hasAny(Row::lr)) {
            charts.add(
                    new NamedChart(
                            "report-lr.png",
                            "Learning-rate schedule",
                            new LineChart("Learning rate", "step", "learning rate")
                                    .add("lr", steps, log.column(Row::lr))));
        }
        if (log.hasAny(Row::tokensPerSecond)) {
            charts.add(
                    new NamedChart(
                            "report-throughput.png",
                            "Training throughput",
                            new LineChart("Throughput", "step", "tokens / s")
                                    .add("tokens/s", steps, log.column(Row::tokensPerSecond))
                                    .smoothing(window)));
        }
        if (log.hasAny(Row::gradNorm)) {
            double[] norms = log.column(Row::gradNorm);
            charts.add(
                    new NamedChart(
                            "report-grad-norm.png",
                            "Gradient norm before clipping",
                            new LineChart("Gradient norm", "step", "L2 norm")
                                    .add("grad norm", steps, norms)
                                    .logScaleY(wideRange(norms))
                                    .smoothing(window)));
        }
        if (log.width(Row::validMlmLoss) > 0 || log.hasAny(Row::validRtdLoss)) {
            charts.add(
                    new NamedChart(
                            "report-valid.png",
                            "Losses on the validation split",
                            validChart(log, run)));
        }
        return charts;
    }

    private static LineChart lossChart(MetricsLog log, RunInfo run, double[] steps, int window) {
        double[] total = log.column(Row::loss);
        LineChart chart =
                new LineChart("Training loss", "step", "loss").add("total loss", steps, total);
        int layers = log.width(Row::mlmLoss);
        List<double[]> all = new ArrayList<>(List.of(total));
        for (int k = 0; k < layers; k++) {
            double[] mlm = element(log, Row::mlmLoss, k);
            if (!sameValues(mlm, total)) {
                chart.add(seriesName("MLM loss", run, k, layers), steps, mlm);
                all.add(mlm);
            }
        }
        return chart.logScaleY(wideRange(all.toArray(double[][]::new))).smoothing(window);
    }

    private static LineChart maskLossChart(
            MetricsLog log, RunInfo run, double[] steps, int window, double unigramLoss) {
        LineChart chart =
                new LineChart(
                        "MLM loss at [MASK] against the unigram loss",
                        "step",
                        "cross-entropy (nats)");
        int layers = log.width(Row::mlmLossAtMask);
        for (int k = 0; k < layers; k++) {
            chart.add(
                    seriesName("at [MASK]", run, k, layers),
                    steps,
                    element(log, Row::mlmLossAtMask, k));
        }
        int kept = log.width(Row::mlmLossKept);
        if (kept
                > 0) { // the deepest head's only: the one the discriminator's input is sampled from
            chart.add(
                    seriesName("kept or random", run, kept - 1, kept),
                    steps,
                    element(log, Row::mlmLossKept, kept - 1));
        }
        if (Double.isFinite(unigramLoss)) {
            double[] level = new double[steps.length];
            Arrays.fill(level, unigramLoss);
            chart.add(
                    String.format(Locale.ROOT, "unigram loss of the corpus (%.3f)", unigramLoss),
                    LineChart.PALETTE.get(7),
                    steps,
                    level);
        }
        return chart.smoothing(window);
    }

    private static LineChart rtdChart(MetricsLog log, double[] steps, int window) {
        LineChart chart = new LineChart("RTD accuracy and replaced fraction", "step", "fraction");
        if (log.hasAny(Row::rtdAccuracy)) {
            chart.add("RTD accuracy", steps, log.column(Row::rtdAccuracy));
        }
        if (log.hasAny(Row::replacedFraction)) {
            chart.add("replaced fraction", steps, log.column(Row::replacedFraction));
        }
        return chart.yRange(0, 1).smoothing(window);
    }

    private static LineChart validChart(MetricsLog log, RunInfo run) {
        LineChart chart = new LineChart("Validation loss", "step", "loss");
        int layers = log.width(Row::validMlmLoss);
        List<double[]> all = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            int layer = k;
            double[][] points =
                    finitePoints(
                            log,
                            r ->
                                    layer < r.validMlmLoss().length
                                            ? r.validMlmLoss()[layer]
                                            : Double.NaN);
            chart.add(seriesName("valid MLM loss", run, k, layers), points[0], points[1]);
            all.add(points[1]);
        }
        if (log.hasAny(Row::validMlmLossAtMask)) {
            double[][] points = finitePoints(log, Row::validMlmLossAtMask);
            int heads = Math.max(1, layers);
            chart.add(
                    seriesName("valid MLM loss at [MASK]", run, heads - 1, heads),
                    points[0],
                    points[1]);
            all.add(points[1]);
        }
        if (log.hasAny(Row::validRtdLoss)) {
            double[][] points = finitePoints(log, Row::validRtdLoss);
            chart.add("valid RTD loss", points[0], points[1]);
            all.add(points[1]);
        }
        return chart.logScaleY(wideRange(all.toArray(double[][]::new)));
    }

    /** One series per array element, named by the layer ("layer 4"). */
    private static LineChart arrayChart(
            LineChart chart,
            MetricsLog log,
            RunInfo run,
            double[] steps,
            Function<Row, double[]> metric,
            String prefix) {
        int count = log.width(metric);
        for (int k = 0; k < count; k++) {
            chart.add(seriesName(prefix, run, k, count), steps, element(log, metric, k));
        }
        return chart;
    }

    private static String seriesName(String prefix, RunInfo run, int index, int count) {
        if (count == 1 && run.layerLabel(0, 1).startsWith("head")) {
            return prefix;
        }
        String layer = run.layerLabel(index, count);
        return prefix.isEmpty() ? layer : prefix + ", " + layer;
    }

    /** Element {@code k} of an array metric on each row (NaN where a row's array is shorter). */
    static double[] element(MetricsLog log, Function<Row, double[]> metric, int k) {
        return log.column(
                r -> {
                    double[] values = metric.apply(r);
                    return k < values.length ? values[k] : Double.NaN;
                });
    }

    /** The (step, value) pairs where the metric is finite: {@code {steps, values}}. */
    private static double[][] finitePoints(MetricsLog log, ToDoubleFunction<Row> metric) {
        List<Row> rows =
                log.rows().stream().filter(r -> Double.isFinite(metric.applyAsDouble(r))).toList();
        return new double[][] {
            rows.stream().mapToDouble(Row::step).toArray(),
            rows.stream().mapToDouble(metric).toArray()
        };
    }

    /**
     * No smoothing for short runs; else a moving average over about a fortieth of the logged steps.
     */
    static int smoothingWindow(int points) {
        return points < 40 ? 1 : Math.max(3, Math.round(points / 40f));
    }

    /** True when the positive finite values span more than {@link #LOG_SCALE_RATIO}. */
    private static boolean wideRange(double[]... series) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (double[] values : series) {
            for (double v : values) {
                if (Double.isFinite(v) && v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return hi > 0 && hi / lo > LOG_SCALE_RATIO;
    }

    private static boolean sameValues(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            boolean bothMissing = Double.isNaN(a[i]) && Double.isNaN(b[i]);
            if (!bothMissing && !(Math.abs(a[i] - b[i]) <= 1e-6 * Math.max(1, Math.abs(b[i])))) {
                return false;
            }
        }
        return true;
    }
}
