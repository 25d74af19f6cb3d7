package dev.amos.eval.glue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The GLUE results table in markdown, one row per model, in the column order of the AMOS paper
 * (Meng et al., ICLR 2022, Table 1): MNLI-m/mm, QQP, QNLI, SST-2, CoLA, RTE, MRPC, STS-B, AVG.
 * Cells are each task's {@link GlueScore#mainScore()} ×100 with one decimal; a task without a score
 * shows "-". AVG is the mean over the tasks present in the row, MNLI counted once with its matched
 * score (the mismatched one if only that exists); WNLI is left out as in the paper. A footnote line
 * under the table says so.
 */
public final class GlueTable {

    private static final List<GlueTask> COLUMNS =
            List.of(
                    GlueTask.MNLI,
                    GlueTask.QQP,
                    GlueTask.QNLI,
                    GlueTask.SST_2,
                    GlueTask.COLA,
                    GlueTask.RTE,
                    GlueTask.MRPC,
                    GlueTask.STS_B);

    /** The footnote printed under every table. */
    public static final String FOOTNOTE =
            "Scores x100: CoLA Matthews corr., STS-B Spearman corr., accuracy"
                    + " otherwise (MNLI matched/mismatched). \"-\" = not run; AVG = mean over the tasks present in"
                    + " the row, MNLI counted once (matched).";

    private final List<Row> rows = new ArrayList<>();

    /**
     * Adds a row. MNLI scores are placed by split (matched or mismatched, dev or test); WNLI scores
     * are ignored.
     *
     * @throws IllegalArgumentException if a cell gets two scores, or an MNLI score is neither
     *     matched nor mismatched
     */
    public GlueTable addRow(String name, Collection<GlueScore> scores) {
        Map<GlueTask, Double> cells = new EnumMap<>(GlueTask.class);
        Double mismatched = null;
        for (GlueScore score : scores) {
            if (score.task() == GlueTask.WNLI) {
                continue;
            }
            if (isMismatched(score)) {
                mismatched = requireEmpty(mismatched, score);
            } else {
                requireEmpty(cells.put(score.task(), score.mainScore()), score);
            }
        }
        rows.add(new Row(name, cells, mismatched));
        return this;
    }

    /** The markdown table with its footnote line, newline-terminated. */
    public String toMarkdown() {
        StringBuilder out = new StringBuilder();
        out.append("| Model | MNLI-m/mm | ")
                .append(
                        COLUMNS.stream()
                                .skip(1)
                                .map(GlueTask::officialName)
                                .collect(Collectors.joining(" | ")))
                .append(" | AVG |\n");
        out.append("|---|").append("---:|".repeat(COLUMNS.size() + 1)).append('\n');
        for (Row row : rows) {
            out.append("| ").append(row.name().replace("|", "\\|")).append(" | ");
            out.append(format(row.cells().get(GlueTask.MNLI)))
                    .append('/')
                    .append(format(row.mismatched()));
            for (GlueTask task : COLUMNS.subList(1, COLUMNS.size())) {
                out.append(" | ").append(format(row.cells().get(task)));
            }
            OptionalDouble average = row.average();
            out.append(" | ")
                    .append(average.isPresent() ? format(average.getAsDouble()) : "-")
                    .append(" |\n");
        }
        return out.append('\n').append(FOOTNOTE).append('\n').toString();
    }

    private static boolean isMismatched(GlueScore score) {
        if (score.task() != GlueTask.MNLI) {
            return false;
        }
        return switch (score.split()) {
            case DEV_MATCHED, TEST_MATCHED -> false;
            case DEV_MISMATCHED, TEST_MISMATCHED -> true;
            default ->
                    throw new IllegalArgumentException(
                            "an MNLI table score must be on a matched or mismatched"
                                    + " split, not "
                                    + score.split());
        };
    }

    private static Double requireEmpty(Double previous, GlueScore score) {
        if (previous != null) {
            throw new IllegalArgumentException(
                    "two scores for " + score.task() + " " + score.split());
        }
        return score.mainScore();
    }

    private static String format(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", 100 * value);
    }

    private record Row(String name, Map<GlueTask, Double> cells, Double mismatched) {

        OptionalDouble average() {
            List<Double> values = new ArrayList<>();
            for (GlueTask task : COLUMNS) {
                Double value = cells.get(task);
                if (task == GlueTask.MNLI && value == null) {
                    value = mismatched;
                }
                if (value != null) {
                    values.add(value);
                }
            }
            return values.stream().mapToDouble(Double::doubleValue).average();
        }
    }
}
