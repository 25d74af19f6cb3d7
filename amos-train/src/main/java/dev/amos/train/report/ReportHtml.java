package dev.amos.train.report;

import dev.amos.train.report.MetricsLog.Row;
import dev.amos.train.report.ReportCharts.NamedChart;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The self-contained HTML page of the training report (inline CSS, relative PNG links, no external
 * resources).
 */
final class ReportHtml {

    /** How many of the last logged steps the "recent mean" of noisy metrics averages. */
    private static final int RECENT = 10;

    private static final String CSS =
            """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
                   margin: 0; padding: 24px 32px; color: #222; background: #fafafa; }
            main { max-width: 1880px; margin: 0 auto; }
            h1 { font-size: 1.6em; margin: 0 0 4px 0; }
            h2 { font-size: 1.2em; margin: 28px 0 10px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
            .subtitle { color: #666; margin: 0 0 8px 0; }
            table.summary { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
            table.summary th, table.summary td { text-align: left; padding: 6px 14px; border-bottom: 1px solid #eee;
                   vertical-align: top; }
            table.summary th { font-weight: 600; color: #444; white-space: nowrap; }
            table.summary td { font-variant-numeric: tabular-nums; }
            .notes { color: #8a5a00; background: #fff8e6; border: 1px solid #f0d9a0; padding: 8px 12px;
                   border-radius: 4px; margin: 12px 0; }
            .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 18px; }
            figure { margin: 0; background: #fff; padding: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
            figure img { width: 100%; height: auto; display: block; }
            figcaption { color: #555; font-size: .9em; padding: 6px 4px 2px 4px; }
            pre { background: #fff; border: 1px solid #e3e3e3; padding: 12px 16px; overflow: auto; font-size: .85em;
                  max-height: 640px; }
            footer { color: #888; font-size: .85em; margin-top: 24px; }
            """;

    private ReportHtml() {}

    static String render(
            RunInfo run,
            MetricsLog log,
            List<NamedChart> charts,
            String runFolder,
            OffsetDateTime generatedAt,
            double unigramLoss) {
        StringBuilder html = new StringBuilder(16_384);
        String title = "Training report: " + run.title();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append(
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(escape(title))
                .append("</title>\n<style>\n")
                .append(CSS)
                .append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>")
                .append(escape(title))
                .append("</h1>\n")
                .append("<p class=\"subtitle\">run folder <code>")
                .append(escape(runFolder))
                .append("</code></p>\n");
        appendNotes(html, log, run);
        html.append("<h2>Summary</h2>\n<table class=\"summary\">\n");
        for (String[] row : summary(run, log, unigramLoss)) {
            html.append("<tr><th>")
                    .append(escape(row[0]))
                    .append("</th><td>")
                    .append(escape(row[1]))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Charts</h2>\n<div class=\"charts\">\n");
        for (NamedChart chart : charts) {
            html.append("<figure><img src=\"")
                    .append(escape(chart.fileName()))
                    .append("\" alt=\"")
                    .append(escape(chart.caption()))
                    .append("\" width=\"")
                    .append(LineChart.DEFAULT_WIDTH)
                    .append("\" height=\"")
                    .append(LineChart.DEFAULT_HEIGHT)
                    .append("\"><figcaption>")
                    .append(escape(chart.caption()))
                    .append("</figcaption></figure>\n");
        }
        html.append("</div>\n<h2>Config</h2>\n");
        if (run.prettyConfig() != null) {
            html.append("<pre>").append(escape(run.prettyConfig())).append("</pre>\n");
        } else {
            html.append("<p>No ").append(RunInfo.CONFIG_FILE).append(" in the run folder.</p>\n");
        }
        html.append("<footer>Generated at ")
                .append(
                        escape(
                                generatedAt
                                        .truncatedTo(ChronoUnit.SECONDS)
                                        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)))
                .append(" from ")
                .append(TrainingReport.METRICS_FILE)
                .append(" (")
                .append(log.rows().size())
                .append(" logged steps).</footer>\n</main>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void appendNotes(StringBuilder html, MetricsLog log, RunInfo run) {
        List<String> notes = new ArrayList<>();
        if (log.ignoredLastLine() > 0) {
            notes.add(
                    "Line "
                            + log.ignoredLastLine()
                            + " of "
                            + TrainingReport.METRICS_FILE
                            + " is incomplete (the run was probably stopped while writing it) and was ignored.");
        }
        if (log.supersededRows() > 0) {
            notes.add(
                    log.supersededRows()
                            + " logged steps were superseded by a resumed run and are not shown.");
        }
        if (run.prettyConfig() == null) {
            notes.add(
                    "The run folder has no "
                            + RunInfo.CONFIG_FILE
                            + "; layer numbers and the objective are unknown.");
        }
        for (String note : notes) {
            html.append("<p class=\"notes\">").append(escape(note)).append("</p>\n");
        }
    }

    /**
     * The summary table: (label, value) rows, only for what the run logged.
     *
     * @param unigramLoss the training corpus's unigram loss; NaN when unknown
     */
    static List<String[]> summary(RunInfo run, MetricsLog log, double unigramLoss) {
        List<Row> rows = log.rows();
        Row last = rows.get(rows.size() - 1);
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"Model", run.runName()});
        if (!run.objective().isEmpty()) {
            table.add(new String[] {"Objective", run.objective()});
        }
        table.add(new String[] {"Steps", last.step() + " (" + rows.size() + " logged)"});
        table.add(new String[] {"Loss", lossSummary(log)});
        addArray(table, "MLM loss (last)", log, run, Row::mlmLoss, ReportHtml::fmt);
        addArray(table, "MLM loss at [MASK] (last)", log, run, Row::mlmLossAtMask, ReportHtml::fmt);
        addArray(
                table,
                "MLM loss kept or random (last)",
                log,
                run,
                Row::mlmLossKept,
                ReportHtml::fmt);
        if (Double.isFinite(unigramLoss)) {
            table.add(
                    new String[] {
                        "Unigram loss of the corpus", fmt(unigramLoss) + plateau(log, unigramLoss)
                    });
        }
        addScalar(table, "RTD loss", log, Row::rtdLoss);
        if (log.hasAny(Row::rtdLossConstant)) {
            table.add(
                    new String[] {
                        "RTD loss of the constant prediction",
                        fmt(recent(log.column(Row::rtdLossConstant)))
                                + " (mean of the last "
                                + Math.min(RECENT, log.rows().size())
                                + " logs: predicting each batch's replaced share at every token)"
                                + againstConstant(log)
                    });
        }
        addScalar(table, "RTD accuracy", log, Row::rtdAccuracy);
        addScalar(table, "Replaced fraction", log, Row::replacedFraction);
        addArray(
                table,
                "Mixture weights (last)",
                log,
                run,
                Row::mixtureWeights,
                ReportHtml::fraction);
        if (log.hasAny(Row::lr)) {
            table.add(
                    new String[] {
                        "Learning rate",
                        "last "
                                + fmt(lastFinite(log, Row::lr))
                                + ", peak "
                                + fmt(max(log.column(Row::lr)))
                    });
        }
        if (log.hasAny(Row::tokensPerSecond)) {
            table.add(
                    new String[] {
                        "Tokens/s (median)", fmt(median(log.column(Row::tokensPerSecond)))
                    });
        }
        if (log.hasAny(Row::elapsedSeconds)) {
            table.add(new String[] {"Wall time", duration(lastFinite(log, Row::elapsedSeconds))});
        }
        if (log.hasAny(Row::skippedSteps)) {
            table.add(
                    new String[] {
                        "Skipped steps",
                        String.format(Locale.ROOT, "%.0f", lastFinite(log, Row::skippedSteps))
                    });
        }
        addArray(table, "Validation MLM loss (last)", log, run, Row::validMlmLoss, ReportHtml::fmt);
        if (log.hasAny(Row::validMlmLossAtMask)) {
            table.add(
                    new String[] {
                        "Validation MLM loss at [MASK] (last)",
                        fmt(lastFinite(log, Row::validMlmLossAtMask))
                    });
        }
        if (log.hasAny(Row::validRtdLoss)) {
            table.add(
                    new String[] {
                        "Validation RTD loss (last)", fmt(lastFinite(log, Row::validRtdLoss))
                    });
        }
        return table;
    }

    /**
     * How far the deepest head's loss at [MASK] (mean of the last logs) is below the unigram loss,
     * and whether it has left the plateau (0.3 nats or more below it).
     */
    private static String plateau(MetricsLog log, double unigramLoss) {
        int heads = log.width(Row::mlmLossAtMask);
        if (heads == 0) {
            return "";
        }
        double[] deepest =
                log.column(
                        r ->
                                r.mlmLossAtMask().length == heads
                                        ? r.mlmLossAtMask()[heads - 1]
                                        : Double.NaN);
        double recent = recent(deepest);
        if (!Double.isFinite(recent)) {
            return "";
        }
        double below = unigramLoss - recent;
        return "; the deepest head's loss at [MASK] (mean of the last "
                + Math.min(RECENT, deepest.length)
                + " logs) is "
                + fmt(Math.abs(below))
                + (below >= 0 ? " nats below it" : " nats above it")
                + (below >= 0.3
                        ? ""
                        : ": not yet 0.3 below it (on the unigram plateau, or above it)");
    }

    /** The mean of the finite values among the last {@link #RECENT} (NaN when none). */
    private static double recent(double[] values) {
        return Arrays.stream(values, Math.max(0, values.length - RECENT), values.length)
                .filter(Double::isFinite)
                .average()
                .orElse(Double.NaN);
    }

    /**
     * How far the discriminator's RTD loss is below the constant prediction's, over the last logs
     * where both are logged.
     */
    private static String againstConstant(MetricsLog log) {
        double below =
                recent(
                        log.column(
                                r ->
                                        Double.isFinite(r.rtdLoss())
                                                ? r.rtdLossConstant() - r.rtdLoss()
                                                : Double.NaN));
        if (!Double.isFinite(below)) {
            return "";
        }
        return "; the discriminator's loss is "
                + fmt(Math.abs(below))
                + (below > 0 ? " below it" : " above it: it does no better than the share alone");
    }

    private static String lossSummary(MetricsLog log) {
        double[] loss = log.column(Row::loss);
        int argMin = -1;
        for (int i = 0; i < loss.length; i++) {
            if (Double.isFinite(loss[i]) && (argMin < 0 || loss[i] < loss[argMin])) {
                argMin = i;
            }
        }
        String last = "final " + fmt(loss[loss.length - 1]) + recentMean(loss);
        return argMin < 0
                ? last
                : last + "; min " + fmt(loss[argMin]) + " at step " + log.rows().get(argMin).step();
    }

    private static void addScalar(
            List<String[]> table, String label, MetricsLog log, ToDoubleFunction<Row> metric) {
        if (log.hasAny(metric)) {
            double[] values = log.column(metric);
            table.add(
                    new String[] {
                        label, "final " + fmt(values[values.length - 1]) + recentMean(values)
                    });
        }
    }

    private static void addArray(
            List<String[]> table,
            String label,
            MetricsLog log,
            RunInfo run,
            Function<Row, double[]> metric,
            DoubleFunction<String> format) {
        int count = log.width(metric);
        if (count == 0) {
            return;
        }
        double[] last = new double[0];
        for (Row r : log.rows()) {
            if (metric.apply(r).length == count) {
                last = metric.apply(r);
            }
        }
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < last.length; k++) {
            String value = format.apply(last[k]);
            parts.add(
                    count == 1 && run.layerLabel(0, 1).startsWith("head")
                            ? value
                            : run.layerLabel(k, count) + ": " + value);
        }
        table.add(new String[] {label, String.join(" \u00b7 ", parts)});
    }

    /** " (mean of last 10 logs: x)" when there are more than a few logged steps, else "". */
    private static String recentMean(double[] values) {
        double mean = values.length < 2 * RECENT ? Double.NaN : recent(values);
        return Double.isNaN(mean) ? "" : " (mean of last " + RECENT + " logs: " + fmt(mean) + ")";
    }

    private static double lastFinite(MetricsLog log, ToDoubleFunction<Row> metric) {
        double[] values = log.column(metric);
        for (int i = values.length - 1; i >= 0; i--) {
            if (Double.isFinite(values[i])) {
                return values[i];
            }
        }
        return Double.NaN;
    }

    private static double max(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    static double median(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int mid = finite.length / 2;
        return finite.length % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
    }

    private static String fmt(double v) {
        return Double.isFinite(v) && Math.abs(v) >= 1000 && Math.abs(v) < 1e9
                ? String.format(Locale.ROOT, "%,.0f", v)
                : compact(v, 4);
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
        MathContext digits = new MathContext(significant);
        double abs = Math.abs(v);
        if (abs >= 1e-3 && abs < 1e6) {
            return new BigDecimal(v).round(digits).stripTrailingZeros().toPlainString();
        }
        BigDecimal rounded = new BigDecimal(v).round(digits);
        int exponent = rounded.precision() - rounded.scale() - 1;
        return rounded.movePointLeft(exponent).stripTrailingZeros().toPlainString()
                + "e"
                + exponent;
    }

    /** A share in [0, 1] with three decimals. */
    private static String fraction(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    /** Seconds as "1 h 02 min 05 s", "3 min 12 s" or "45.2 s". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "n/a";
        }
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        long hours = s / 3600;
        long minutes = s % 3600 / 60;
        long secs = s % 60;
        return hours > 0
                ? String.format(Locale.ROOT, "%d h %02d min %02d s", hours, minutes, secs)
                : String.format(Locale.ROOT, "%d min %02d s", minutes, secs);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
