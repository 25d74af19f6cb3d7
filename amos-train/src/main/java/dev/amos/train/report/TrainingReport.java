package dev.amos.train.report;

import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.train.report.ReportCharts.NamedChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The training report of a pretraining run folder ({@code amos train --out DIR}): reads {@code
 * DIR/metrics.jsonl} and {@code DIR/config.json} and writes {@code DIR/report.html}, a
 * self-contained page (inline CSS, no external resources) with a summary table, the config and PNG
 * charts next to it: the total and per-layer MLM losses, the MLM loss at [MASK] positions against
 * the corpus's unigram loss, the RTD loss, RTD accuracy and replaced fraction, the AMOS mixture
 * weights per generator layer, learning rate, throughput, gradient norm and validation losses, each
 * drawn only when the run logged it.
 *
 * <p>Every file is written atomically (temporary sibling, then rename) and the page last, so it
 * only ever links charts that exist. See <a href="https://arxiv.org/abs/2204.03243">Meng et al.,
 * "Pretraining Text Encoders with Adversarial Mixture of Training Signal Generators" (ICLR
 * 2022)</a> for the quantities charted.
 */
public final class TrainingReport {

    /** The report page written in the run folder. */
    public static final String HTML_FILE = "report.html";

    /** The metrics log read from the run folder. */
    public static final String METRICS_FILE = "metrics.jsonl";

    private TrainingReport() {}

    /**
     * Writes {@code runDir/report.html} and its charts and returns the page's path.
     *
     * @param runDir the run folder
     * @param unigramLoss the training corpus's unigram loss ({@link
     *     dev.amos.train.data.ShardCache#unigramLoss}), drawn beside the loss at [MASK]; NaN when
     *     unknown
     * @throws BadInputException when metrics.jsonl is missing, malformed (except for a truncated
     *     last line) or holds no step, or config.json is not a JSON object
     */
    public static Path write(Path runDir, double unigramLoss) throws IOException {
        Path metricsFile = runDir.resolve(METRICS_FILE);
        MetricsLog log = MetricsLog.read(metricsFile);
        if (log.rows().isEmpty()) {
            throw BadInputException.of(
                    metricsFile, "expected at least one logged step (the run has logged none yet)");
        }
        RunInfo run = RunInfo.read(runDir);
        List<NamedChart> charts = ReportCharts.build(log, run, unigramLoss);
        for (NamedChart chart : charts) {
            chart.chart().writePng(runDir.resolve(chart.fileName()));
        }
        String folderName =
                runDir.toAbsolutePath().normalize().getFileName() == null
                        ? runDir.toString()
                        : runDir.toAbsolutePath().normalize().getFileName().toString();
        String html =
                ReportHtml.render(run, log, charts, folderName, OffsetDateTime.now(), unigramLoss);
        Path page = runDir.resolve(HTML_FILE);
        BlockFiles.writeAtomically(page, out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
        removeStaleCharts(runDir, charts);
        return page;
    }

    /**
     * Deletes charts an earlier report wrote that this one has not (e.g. validation appeared then
     * vanished).
     */
    private static void removeStaleCharts(Path runDir, List<NamedChart> written)
            throws IOException {
        Set<String> current = new HashSet<>();
        written.forEach(c -> current.add(c.fileName()));
        for (String name : ReportCharts.FILE_NAMES) {
            if (!current.contains(name)) {
                Files.deleteIfExists(runDir.resolve(name));
            }
        }
    }
}
