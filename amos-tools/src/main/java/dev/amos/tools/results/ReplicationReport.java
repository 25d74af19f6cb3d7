package dev.amos.tools.results;

import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueTable;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.train.report.LineChart;
import dev.amos.train.report.MetricsLog;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Writes {@code docs/results.md} and its charts from the output folder of {@code
 * scripts/replicate.sh}: the GLUE table in the layout of the AMOS paper (Meng et al., ICLR 2022, <a
 * href="https://arxiv.org/abs/2204.06644">arXiv:2204.06644</a>, Table 1), the seed spread next to
 * each difference from AMOS, pretraining wall time and tokens seen, and PNG curves of the mixture
 * weights, RTD accuracy, replaced fraction and validation losses.
 *
 * <p>Input folder: {@code replication.properties} (settings, commit, machine, written by the
 * script), {@code pretrain/<variant>/} (runs of {@code amos train}), {@code
 * glue/<variant>/<task>/results.json} and optionally {@code timings.tsv} ({@code phase variant task
 * seconds} per line).
 *
 * <p>The hand-written sections {@value #HOW_TO_RUN} and {@value #READING} of an existing output
 * file are kept; every other section is regenerated.
 *
 * <p>Usage: {@code java -cp amos-cli.jar dev.amos.tools.results.ReplicationReport OUT_DIR DOC.md
 * IMG_DIR}
 */
public final class ReplicationReport {

    /** Heading of the kept section on how to run the replication. */
    public static final String HOW_TO_RUN = "## How to run";

    /** Heading of the kept section the lead writes: the honest reading of the numbers. */
    public static final String READING = "## What these numbers can and cannot show";

    /** The placeholder the reading section holds until someone writes it. */
    public static final String READING_PLACEHOLDER =
            "> **PLACEHOLDER (to be written by the lead after the run):**"
                    + " three lines on the outcome, then what these numbers can and cannot show at this scale.";

    private final Path runDir;
    private final Properties settings;
    private final List<VariantResults> variants;
    private final List<GlueTask> tasks;
    private final Timings timings;

    private ReplicationReport(
            Path runDir,
            Properties settings,
            List<VariantResults> variants,
            List<GlueTask> tasks,
            Timings timings) {
        this.runDir = runDir;
        this.settings = settings;
        this.variants = variants;
        this.tasks = tasks;
        this.timings = timings;
    }

    /** Command-line entry: {@code OUT_DIR DOC.md IMG_DIR}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ReplicationReport OUT_DIR DOC.md IMG_DIR");
            System.exit(2);
        }
        try {
            write(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        } catch (BadInputException e) {
            System.err.println("amos: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Reads {@code runDir} and writes {@code doc} and the PNGs into {@code imgDir}. */
    public static void write(Path runDir, Path doc, Path imgDir) throws IOException {
        ReplicationReport report = read(runDir);
        Files.createDirectories(imgDir);
        Path docDir = doc.toAbsolutePath().getParent();
        String imgLink = docDir.relativize(imgDir.toAbsolutePath()).toString().replace('\\', '/');
        List<String> charts = report.writeCharts(imgDir);
        String existing = Files.isRegularFile(doc) ? Files.readString(doc) : "";
        String text = report.markdown(imgLink, charts, existing);
        BlockFiles.writeAtomically(doc, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    static ReplicationReport read(Path runDir) throws IOException {
        Path propsFile = runDir.resolve("replication.properties");
        if (!Files.isRegularFile(propsFile)) {
            throw BadInputException.of(
                    propsFile, "not found (expected the settings written by scripts/replicate.sh)");
        }
        Properties settings = new Properties();
        try (Reader r = Files.newBufferedReader(propsFile, StandardCharsets.UTF_8)) {
            settings.load(r);
        }
        List<GlueTask> tasks = new ArrayList<>();
        for (String t : settings.getProperty("tasks", "").split(",")) {
            if (!t.isBlank()) {
                tasks.add(GlueTask.parse(t));
            }
        }
        List<VariantResults> variants = new ArrayList<>();
        for (String v : settings.getProperty("variants", "").split(",")) {
            Path pretrain = runDir.resolve("pretrain").resolve(v.trim());
            if (!v.isBlank() && Files.isRegularFile(pretrain.resolve("metrics.jsonl"))) {
                variants.add(
                        VariantResults.read(
                                v.trim(),
                                pretrain,
                                runDir.resolve("glue").resolve(v.trim()),
                                tasks));
            }
        }
        if (variants.isEmpty()) {
            throw BadInputException.of(
                    runDir, "no pretraining run with a metrics.jsonl under pretrain/");
        }
        return new ReplicationReport(
                runDir, settings, variants, tasks, Timings.read(runDir.resolve("timings.tsv")));
    }

    // ---------------------------------------------------------------- charts

    /** Writes the PNGs; returns their file names, in the order they are shown. */
    List<String> writeCharts(Path imgDir) throws IOException {
        List<String> names = new ArrayList<>();
        for (VariantResults v : variants) {
            MetricsLog log = v.metrics();
            int layers = log.width(MetricsLog.Row::mixtureWeights);
            if (layers > 1) {
                LineChart chart =
                        new LineChart(
                                        "Mixture weights of the MLM layers: " + v.label(),
                                        "step",
                                        "mean weight")
                                .smoothing(smoothing(log));
                for (int k = 0; k < layers; k++) {
                    int layer = k;
                    chart.add(
                            layerName(k, layers),
                            log.steps(),
                            log.column(r -> at(r.mixtureWeights(), layer)));
                }
                names.add(save(chart, imgDir, "mixture-weights-" + v.name() + ".png"));
            }
        }
        names.add(
                compare(
                        imgDir,
                        "rtd-accuracy.png",
                        "Discriminator RTD accuracy (train batches)",
                        "accuracy",
                        MetricsLog.Row::rtdAccuracy,
                        true));
        names.add(
                compare(
                        imgDir,
                        "replaced-fraction.png",
                        "Replaced fraction of masked tokens (train batches)",
                        "fraction",
                        MetricsLog.Row::replacedFraction,
                        true));
        names.add(
                compare(
                        imgDir,
                        "valid-rtd-loss.png",
                        "Validation RTD loss (held-out text)",
                        "loss",
                        MetricsLog.Row::validRtdLoss,
                        false));
        names.add(
                compare(
                        imgDir,
                        "valid-mlm-loss.png",
                        "Validation MLM loss of the generator (held-out text)",
                        "loss",
                        r -> last(r.validMlmLoss()),
                        false));
        names.removeIf(n -> n == null);
        return names;
    }

    private String compare(
            Path imgDir,
            String file,
            String title,
            String yLabel,
            ToDoubleFunction<MetricsLog.Row> metric,
            boolean smooth)
            throws IOException {
        LineChart chart = new LineChart(title, "step", yLabel);
        int window = 1;
        for (VariantResults v : variants) {
            MetricsLog log = v.metrics();
            List<MetricsLog.Row> rows =
                    log.rows().stream()
                            .filter(r -> Double.isFinite(metric.applyAsDouble(r)))
                            .toList();
            if (!rows.isEmpty()) {
                chart.add(
                        v.label(),
                        rows.stream().mapToDouble(MetricsLog.Row::step).toArray(),
                        rows.stream().mapToDouble(metric).toArray());
                window = Math.max(window, smooth ? smoothing(log) : 1);
            }
        }
        if (chart.series().isEmpty()) {
            return null;
        }
        return save(chart.smoothing(window), imgDir, file);
    }

    private static String save(LineChart chart, Path imgDir, String file) throws IOException {
        chart.writePng(imgDir.resolve(file));
        return file;
    }

    private static int smoothing(MetricsLog log) {
        return Math.max(1, log.rows().size() / 25);
    }

    private static double at(double[] values, int i) {
        return i < values.length ? values[i] : Double.NaN;
    }

    private static double last(double[] values) {
        return values.length == 0 ? Double.NaN : values[values.length - 1];
    }

    private String layerName(int k, int layers) {
        String[] mlmLayers = settings.getProperty("mlm_layers", "").split(",");
        return mlmLayers.length == layers
                ? "layer " + mlmLayers[k].trim()
                : "MLM layer #" + (k + 1);
    }

    // ---------------------------------------------------------------- markdown

    String markdown(String imgLink, List<String> charts, String existing) {
        StringBuilder md = new StringBuilder();
        md.append("# Results: the AMOS comparison at small scale\n\n");
        md.append(
                        "Generated by `scripts/replicate.sh` (writer: `dev.amos.tools.results.ReplicationReport`); only the")
                .append(
                        " sections \"How to run\" and \"What these numbers can and cannot show\" are hand-written and")
                .append(" are kept when the file is regenerated.\n\n");
        md.append(keptSection(existing, READING, READING + "\n\n" + READING_PLACEHOLDER + "\n"));
        md.append(setup());
        md.append(glue());
        md.append(spread());
        md.append(pretraining());
        md.append(curves(imgLink, charts));
        md.append(
                keptSection(
                        existing,
                        HOW_TO_RUN,
                        HOW_TO_RUN + "\n\nSee the header of `scripts/replicate.sh`.\n"));
        return md.toString();
    }

    /**
     * The section under {@code heading} in {@code existing} (up to the next "## "), else {@code
     * fallback}.
     */
    static String keptSection(String existing, String heading, String fallback) {
        int start = existing.indexOf(heading + "\n");
        if (start < 0) {
            return fallback.endsWith("\n\n") ? fallback : fallback + "\n";
        }
        int end = existing.indexOf("\n## ", start + heading.length());
        String section =
                existing.substring(start, end < 0 ? existing.length() : end + 1).stripTrailing();
        return section + "\n\n";
    }

    private String setup() {
        StringBuilder md = new StringBuilder("## Setup of this run\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Commit", "`" + settings.getProperty("commit", "?") + "`" + dirty());
        row(
                md,
                "Machine",
                settings.getProperty("cpu_model", "?")
                        + ", "
                        + settings.getProperty("nproc", "?")
                        + " cores, "
                        + settings.getProperty("device", "cpu"));
        row(
                md,
                "Date",
                settings.getProperty("started", "?")
                        + " to "
                        + settings.getProperty("finished", "?"));
        row(
                md,
                "Pretraining",
                "`"
                        + settings.getProperty("config", "?")
                        + "`, "
                        + settings.getProperty("steps", "?")
                        + " steps x batch "
                        + settings.getProperty("batch", "?")
                        + " x seq "
                        + settings.getProperty("seq", "?")
                        + ", lr "
                        + settings.getProperty("lr", "?")
                        + ", warmup "
                        + settings.getProperty("warmup", "?")
                        + ", seed "
                        + settings.getProperty("seed", "?")
                        + " (the same for every variant)");
        String valid = settings.getProperty("valid_corpus", "?");
        row(
                md,
                "Corpus",
                "`"
                        + settings.getProperty("corpus", "?")
                        + "`, "
                        + (valid.equals("none")
                                ? "no validation"
                                : "validation `"
                                        + valid
                                        + "` every "
                                        + settings.getProperty("valid_every", "?")
                                        + " steps"));
        String taskEpochs = settings.getProperty("task_epochs", "");
        row(
                md,
                "Fine-tuning",
                settings.getProperty("seeds", "?")
                        + " seeds (median), "
                        + settings.getProperty("epochs", "?")
                        + " epoch(s)"
                        + (taskEpochs.isEmpty()
                                ? ""
                                : " (" + taskEpochs.replace("=", ": ").replace(",", ", ") + ")")
                        + ", lr "
                        + settings.getProperty("ft_lr", "?")
                        + ", batch "
                        + settings.getProperty("ft_batch", "?")
                        + ", max-len "
                        + settings.getProperty("max_len", "?")
                        + ", training examples per task: "
                        + trainLimit()
                        + ", full dev sets");
        row(md, "Command", "`" + settings.getProperty("command", "scripts/replicate.sh") + "`");
        row(md, "Total wall time", hours(timings.total()));
        return md.append('\n').toString();
    }

    private String dirty() {
        return "true".equals(settings.getProperty("dirty")) ? " (with uncommitted changes)" : "";
    }

    private String trainLimit() {
        String limit = settings.getProperty("train_limit", "0");
        return "0".equals(limit.trim()) ? "all" : "at most " + limit + " (fixed seeded subsample)";
    }

    private String glue() {
        GlueTable table = new GlueTable();
        for (VariantResults v : variants) {
            List<GlueScore> scores = new ArrayList<>();
            v.tasks().values().forEach(t -> scores.addAll(t.median()));
            table.addRow(v.label(), scores);
        }
        return "## GLUE dev (median of "
                + settings.getProperty("seeds", "?")
                + " seeds)\n\n"
                + table.toMarkdown()
                + "\n";
    }

    private String spread() {
        StringBuilder md = new StringBuilder("## Seed spread and differences from AMOS\n\n");
        md.append(
                        "Each cell: median [min, max] over the fine-tuning seeds (x100); under it the difference of the")
                .append(
                        " medians from the AMOS row. A difference is marked * only when the two [min, max] ranges do not")
                .append(" overlap; unmarked differences are within seed noise.\n\n");
        md.append("| Variant | ")
                .append(String.join(" | ", tasks.stream().map(GlueTask::officialName).toList()))
                .append(" |\n");
        md.append("|---|").append("---:|".repeat(tasks.size())).append('\n');
        VariantResults reference =
                variants.stream().filter(v -> v.name().equals("amos")).findFirst().orElse(null);
        for (VariantResults v : variants) {
            md.append("| ").append(v.label());
            for (GlueTask task : tasks) {
                md.append(" | ")
                        .append(
                                cell(
                                        v.tasks().get(task),
                                        v == reference || reference == null
                                                ? null
                                                : reference.tasks().get(task)));
            }
            md.append(" |\n");
        }
        return md.append('\n').toString();
    }

    static String cell(VariantResults.TaskResult r, VariantResults.TaskResult reference) {
        if (r == null) {
            return "-";
        }
        String text = pct(r.mainScore()) + " [" + pct(r.min()) + ", " + pct(r.max()) + "]";
        if (reference != null) {
            double delta = 100 * (r.mainScore() - reference.mainScore());
            boolean separated = r.min() > reference.max() || r.max() < reference.min();
            text += "<br>Δ " + String.format(Locale.ROOT, "%+.1f", delta) + (separated ? " *" : "");
        }
        return text;
    }

    private String pretraining() {
        StringBuilder md = new StringBuilder("## Pretraining cost and end state\n\n");
        md.append(
                        "Wall time: the training loop (`elapsed_seconds`) and the whole `amos train` process (JVM start,")
                .append(
                        " validation, saving). End-state columns are the mean over the last 10% of logged steps")
                .append(" (train batches); validation losses are the last validation.\n\n");
        md.append(
                "| Variant | Steps | Tokens seen | Train loop | Process | Tokens/s | RTD acc. | Replaced frac."
                        + " | Valid MLM | Valid RTD | Final mixture weights |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (VariantResults v : variants) {
            MetricsLog log = v.metrics();
            md.append("| ")
                    .append(v.label())
                    .append(" | ")
                    .append(v.steps())
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", v.tokensSeen()))
                    .append(" | ")
                    .append(minutes(v.trainSeconds()))
                    .append(" | ")
                    .append(minutes(timings.get("pretrain", v.name())))
                    .append(" | ")
                    .append(num(tail(log, MetricsLog.Row::tokensPerSecond), "%.0f"))
                    .append(" | ")
                    .append(num(tail(log, MetricsLog.Row::rtdAccuracy), "%.3f"))
                    .append(" | ")
                    .append(num(tail(log, MetricsLog.Row::replacedFraction), "%.3f"))
                    .append(" | ")
                    .append(num(lastFinite(log, r -> last(r.validMlmLoss())), "%.3f"))
                    .append(" | ")
                    .append(num(lastFinite(log, MetricsLog.Row::validRtdLoss), "%.3f"))
                    .append(" | ")
                    .append(weights(log, MetricsLog.Row::mixtureWeights))
                    .append(" |\n");
        }
        md.append("\nFine-tuning wall time per variant (all tasks and seeds): ");
        List<String> parts = new ArrayList<>();
        for (VariantResults v : variants) {
            parts.add(v.label() + " " + minutes(timings.sum("finetune", v.name())));
        }
        return md.append(String.join("; ", parts)).append(".\n\n").toString();
    }

    private String curves(String imgLink, List<String> charts) {
        StringBuilder md = new StringBuilder("## Curves\n\n");
        md.append(
                        "Mixture weights: the mean softmax weight AMOS's discriminator-adversarial mixture gives each MLM")
                .append(
                        " layer of the generator (the paper's curriculum claim: the deepest layer's weight grows).")
                .append(" Noisy series are drawn faint with a moving average over them.\n\n");
        for (String chart : charts) {
            md.append("![")
                    .append(chart.replace(".png", ""))
                    .append("](")
                    .append(imgLink)
                    .append('/')
                    .append(chart)
                    .append(")\n\n");
        }
        return md.toString();
    }

    private static double tail(MetricsLog log, ToDoubleFunction<MetricsLog.Row> metric) {
        List<MetricsLog.Row> rows = log.rows();
        int from = rows.size() - Math.max(1, rows.size() / 10);
        return rows.subList(Math.max(0, from), rows.size()).stream()
                .mapToDouble(metric)
                .filter(Double::isFinite)
                .average()
                .orElse(Double.NaN);
    }

    private static double lastFinite(MetricsLog log, ToDoubleFunction<MetricsLog.Row> metric) {
        double value = Double.NaN;
        for (MetricsLog.Row r : log.rows()) {
            double x = metric.applyAsDouble(r);
            value = Double.isFinite(x) ? x : value;
        }
        return value;
    }

    private static String weights(MetricsLog log, Function<MetricsLog.Row, double[]> metric) {
        int width = log.width(metric);
        if (width <= 1) {
            return "-";
        }
        List<String> values = new ArrayList<>();
        for (int k = 0; k < width; k++) {
            int layer = k;
            values.add(num(tail(log, r -> at(metric.apply(r), layer)), "%.2f"));
        }
        return String.join(" / ", values);
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static String pct(double value) {
        return String.format(Locale.ROOT, "%.1f", 100 * value);
    }

    private static String num(double value, String format) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, format, value) : "-";
    }

    static String minutes(double seconds) {
        return Double.isFinite(seconds)
                ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : "-";
    }

    private static String hours(double seconds) {
        return Double.isFinite(seconds)
                ? String.format(Locale.ROOT, "%.2f h", seconds / 3600)
                : "-";
    }

    /** The replication output folder this report reads. */
    Path runDir() {
        return runDir;
    }
}
