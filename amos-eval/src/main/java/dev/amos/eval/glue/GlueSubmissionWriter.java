package dev.amos.eval.glue;

import dev.amos.model.BlockFiles;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Writes test-set predictions in the format the GLUE server accepts (<a
 * href="https://gluebenchmark.com/faq">gluebenchmark.com/faq</a>): one TSV per task named as on the
 * leaderboard ({@code CoLA.tsv, SST-2.tsv, MRPC.tsv, STS-B.tsv, QQP.tsv, MNLI-m.tsv, MNLI-mm.tsv,
 * QNLI.tsv, RTE.tsv, WNLI.tsv, AX.tsv}), header {@code index\tprediction}, then one line per test
 * example: its index and the predicted label string (e.g. {@code not_entailment}) or, for STS-B,
 * the predicted score. Files are written to a temporary file and renamed into place, so an existing
 * file is never left half-written.
 */
public final class GlueSubmissionWriter {

    private static final String HEADER = "index\tprediction\n";

    private GlueSubmissionWriter() {}

    /**
     * The leaderboard file name of a test split: {@code <task>.tsv}, MNLI {@code MNLI-m.tsv} /
     * {@code MNLI-mm.tsv}, and {@code AX.tsv} for the diagnostic set (predicted by the MNLI model).
     *
     * @throws IllegalArgumentException if {@code split} is not a test split of {@code task}
     */
    public static String fileName(GlueTask task, GlueSplit split) {
        if (!split.isTest() || !task.splits().contains(split)) {
            throw new IllegalArgumentException(
                    task
                            + " has no test split "
                            + split
                            + " (expected one of "
                            + task.testSplits()
                            + ")");
        }
        return switch (split) {
            case TEST_MATCHED -> "MNLI-m.tsv";
            case TEST_MISMATCHED -> "MNLI-mm.tsv";
            case DIAGNOSTIC -> "AX.tsv";
            default -> task.officialName() + ".tsv";
        };
    }

    /**
     * Writes predicted label indices of a classification task.
     *
     * @return the file written in {@code directory} (created if needed)
     * @throws IllegalArgumentException for STS-B, a length mismatch or an index outside the labels
     */
    public static Path write(
            Path directory,
            GlueTask task,
            GlueSplit split,
            List<GlueExample> examples,
            int[] predictedLabels)
            throws IOException {
        if (task.isRegression()) {
            throw new IllegalArgumentException(task + " is a regression: pass scores as double[]");
        }
        checkLength(examples, predictedLabels.length);
        for (int label : predictedLabels) {
            if (label < 0 || label >= task.labels().size()) {
                throw new IllegalArgumentException(task + " has no label index " + label);
            }
        }
        return write(
                directory.resolve(fileName(task, split)),
                examples,
                i -> task.labels().get(predictedLabels[i]));
    }

    /**
     * Writes predicted STS-B scores (shortest float32 decimal, no exponent, no trailing zeros:
     * 3.25, 0.0001, 5).
     *
     * @return the file written in {@code directory} (created if needed)
     * @throws IllegalArgumentException for a classification task, a length mismatch or a non-finite
     *     score
     */
    public static Path write(
            Path directory,
            GlueTask task,
            GlueSplit split,
            List<GlueExample> examples,
            double[] predictedScores)
            throws IOException {
        if (!task.isRegression()) {
            throw new IllegalArgumentException(
                    task + " is a classification: pass label indices as int[]");
        }
        checkLength(examples, predictedScores.length);
        for (double score : predictedScores) {
            if (!Double.isFinite(score)) {
                throw new IllegalArgumentException("predicted score " + score + " is not a number");
            }
        }
        return write(
                directory.resolve(fileName(task, split)),
                examples,
                i ->
                        new BigDecimal(Float.toString((float) predictedScores[i]))
                                .stripTrailingZeros()
                                .toPlainString());
    }

    private static void checkLength(List<GlueExample> examples, int predictions) {
        if (examples.size() != predictions) {
            throw new IllegalArgumentException(
                    predictions + " predictions for " + examples.size() + " examples");
        }
    }

    private static Path write(Path file, List<GlueExample> examples, IntFunction<String> prediction)
            throws IOException {
        BlockFiles.writeAtomically(
                file,
                stream -> {
                    Writer out = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
                    out.write(HEADER);
                    for (int i = 0; i < examples.size(); i++) {
                        out.write(examples.get(i).id() + "\t" + prediction.apply(i) + "\n");
                    }
                    out.flush();
                });
        return file;
    }
}
