package dev.amos.eval.glue;

import static dev.amos.eval.glue.GlueFileFormat.NONE;

import dev.amos.model.BadInputException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The nine GLUE tasks with everything needed to read their files and score them: file layout per
 * split ({@link GlueFileFormat}), the label list, whether the task is a regression (STS-B) and its
 * metrics.
 *
 * <p>Label lists use the canonical order of the BERT / HF transformers GLUE processors, so a label
 * index means the same as there: binary tasks {@code ["0","1"]}, RTE/QNLI {@code
 * ["entailment","not_entailment"]}, MNLI {@code ["contradiction","entailment","neutral"]} (note:
 * the HF {@code datasets} export numbers MNLI differently; this only matters for foreign
 * checkpoints). STS-B is a regression on a similarity score in [0, 5].
 *
 * <p>Metrics (as in the GLUE paper and the AMOS/COCO-LM tables): CoLA Matthews correlation; STS-B
 * Pearson and Spearman; MRPC and QQP accuracy and F1; the others accuracy (MNLI on matched and
 * mismatched dev separately). The {@link #mainMetric()} is the number reported in the GLUE table:
 * CoLA MCC, STS-B Spearman, accuracy for every other task.
 *
 * <p>See Wang et al., ICLR 2019, <a href="https://arxiv.org/abs/1804.07461">arXiv:1804.07461</a>.
 */
public enum GlueTask {
    COLA("CoLA", binary(), List.of(GlueMetrics.MCC), GlueMetrics.MCC, colaFormats()),
    SST_2("SST-2", binary(), accuracy(), GlueMetrics.ACCURACY, sst2Formats()),
    MRPC("MRPC", binary(), accuracyAndF1(), GlueMetrics.ACCURACY, mrpcFormats()),
    STS_B(
            "STS-B",
            List.of(),
            List.of(GlueMetrics.PEARSON, GlueMetrics.SPEARMAN),
            GlueMetrics.SPEARMAN,
            stsbFormats()),
    QQP("QQP", binary(), accuracyAndF1(), GlueMetrics.ACCURACY, qqpFormats()),
    MNLI(
            "MNLI",
            List.of("contradiction", "entailment", "neutral"),
            accuracy(),
            GlueMetrics.ACCURACY,
            mnliFormats()),
    QNLI("QNLI", entailment(), accuracy(), GlueMetrics.ACCURACY, indexedPairFormats("QNLI")),
    RTE("RTE", entailment(), accuracy(), GlueMetrics.ACCURACY, indexedPairFormats("RTE")),
    WNLI("WNLI", binary(), accuracy(), GlueMetrics.ACCURACY, indexedPairFormats("WNLI"));

    private final String officialName;
    private final List<String> labels;
    private final List<String> metrics;
    private final String mainMetric;
    private final Map<GlueSplit, GlueFileFormat> formats;

    GlueTask(
            String officialName,
            List<String> labels,
            List<String> metrics,
            String mainMetric,
            Map<GlueSplit, GlueFileFormat> formats) {
        this.officialName = officialName;
        this.labels = labels;
        this.metrics = metrics;
        this.mainMetric = mainMetric;
        this.formats = Collections.unmodifiableMap(formats);
    }

    /** The official GLUE name, also the folder name below {@code GLUE_DIR}: e.g. {@code SST-2}. */
    public String officialName() {
        return officialName;
    }

    /** Whether the task is a regression (STS-B); its examples carry a score instead of a label. */
    public boolean isRegression() {
        return labels.isEmpty();
    }

    /** The label strings in index order; empty for STS-B. */
    public List<String> labels() {
        return labels;
    }

    /** The number of outputs of a prediction head: the label count, or 1 for STS-B. */
    public int outputSize() {
        return isRegression() ? 1 : labels.size();
    }

    /** The index of {@code label} in {@link #labels()}, or -1 if it is not a label of this task. */
    public int labelIndex(String label) {
        return labels.indexOf(label);
    }

    /** Whether the examples are sentence pairs (all tasks but CoLA and SST-2). */
    public boolean isPair() {
        return formats.get(GlueSplit.TRAIN).isPair();
    }

    /** The splits of this task in file order (train, dev..., test...). */
    public Set<GlueSplit> splits() {
        return formats.keySet();
    }

    /** The labelled development splits: {@code dev}, or MNLI's matched and mismatched. */
    public List<GlueSplit> devSplits() {
        return splits().stream().filter(GlueSplit::isDev).toList();
    }

    /**
     * The unlabelled test splits whose predictions are submitted (MNLI: also the AX diagnostic).
     */
    public List<GlueSplit> testSplits() {
        return splits().stream().filter(GlueSplit::isTest).toList();
    }

    /**
     * The file layout of {@code split}.
     *
     * @throws BadInputException if the task has no such split
     */
    public GlueFileFormat format(GlueSplit split) {
        GlueFileFormat format = formats.get(split);
        if (format == null) {
            throw new BadInputException(
                    "GLUE task "
                            + officialName
                            + " has no split \""
                            + split
                            + "\" (expected one of: "
                            + splits().stream()
                                    .map(GlueSplit::stem)
                                    .collect(Collectors.joining(", "))
                            + ")");
        }
        return format;
    }

    /** The metric names computed for this task (keys of {@link GlueMetrics#metricsFor}). */
    public List<String> metrics() {
        return metrics;
    }

    /** The metric reported in the GLUE table: CoLA mcc, STS-B spearman, otherwise accuracy. */
    public String mainMetric() {
        return mainMetric;
    }

    /**
     * Parses a task name case-insensitively, ignoring '-', '_' and spaces: {@code SST-2}, {@code
     * sst2}, {@code stsb}, {@code cola} ...
     *
     * @throws BadInputException for an unknown task, listing the valid names
     */
    public static GlueTask parse(String name) {
        String wanted = normalize(name);
        for (GlueTask task : values()) {
            if (normalize(task.officialName).equals(wanted)) {
                return task;
            }
        }
        throw new BadInputException(
                "unknown GLUE task \""
                        + name
                        + "\" (expected one of: "
                        + Arrays.stream(values())
                                .map(GlueTask::officialName)
                                .collect(Collectors.joining(", "))
                        + ")");
    }

    @Override
    public String toString() {
        return officialName;
    }

    private static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_\\s]", "");
    }

    private static List<String> binary() {
        return List.of("0", "1");
    }

    private static List<String> entailment() {
        return List.of("entailment", "not_entailment");
    }

    private static List<String> accuracy() {
        return List.of(GlueMetrics.ACCURACY);
    }

    private static List<String> accuracyAndF1() {
        return List.of(GlueMetrics.ACCURACY, GlueMetrics.F1);
    }

    private static GlueFileFormat file(
            String task,
            GlueSplit split,
            boolean header,
            int fields,
            int id,
            int textA,
            int textB,
            int label) {
        return new GlueFileFormat(
                task + "/" + split.stem() + ".tsv", header, fields, id, textA, textB, label);
    }

    /**
     * CoLA train/dev: no header; source, label, original label, sentence. Test: index, sentence.
     */
    private static Map<GlueSplit, GlueFileFormat> colaFormats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("CoLA", GlueSplit.TRAIN, false, 4, NONE, 3, NONE, 1));
        map.put(GlueSplit.DEV, file("CoLA", GlueSplit.DEV, false, 4, NONE, 3, NONE, 1));
        map.put(GlueSplit.TEST, file("CoLA", GlueSplit.TEST, true, 2, 0, 1, NONE, NONE));
        return map;
    }

    /** SST-2 train/dev: {@code sentence label}. Test: {@code index sentence}. */
    private static Map<GlueSplit, GlueFileFormat> sst2Formats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("SST-2", GlueSplit.TRAIN, true, 2, NONE, 0, NONE, 1));
        map.put(GlueSplit.DEV, file("SST-2", GlueSplit.DEV, true, 2, NONE, 0, NONE, 1));
        map.put(GlueSplit.TEST, file("SST-2", GlueSplit.TEST, true, 2, 0, 1, NONE, NONE));
        return map;
    }

    /**
     * MRPC train/dev: {@code Quality #1ID #2ID #1String #2String}. Test: index instead of Quality.
     */
    private static Map<GlueSplit, GlueFileFormat> mrpcFormats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("MRPC", GlueSplit.TRAIN, true, 5, NONE, 3, 4, 0));
        map.put(GlueSplit.DEV, file("MRPC", GlueSplit.DEV, true, 5, NONE, 3, 4, 0));
        map.put(GlueSplit.TEST, file("MRPC", GlueSplit.TEST, true, 5, 0, 3, 4, NONE));
        return map;
    }

    /** STS-B: index genre filename year old_index source1 source2 sentence1 sentence2 [score]. */
    private static Map<GlueSplit, GlueFileFormat> stsbFormats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("STS-B", GlueSplit.TRAIN, true, 10, 0, 7, 8, 9));
        map.put(GlueSplit.DEV, file("STS-B", GlueSplit.DEV, true, 10, 0, 7, 8, 9));
        map.put(GlueSplit.TEST, file("STS-B", GlueSplit.TEST, true, 9, 0, 7, 8, NONE));
        return map;
    }

    /**
     * QQP train/dev: id qid1 qid2 question1 question2 is_duplicate. Test: id question1 question2.
     */
    private static Map<GlueSplit, GlueFileFormat> qqpFormats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("QQP", GlueSplit.TRAIN, true, 6, 0, 3, 4, 5));
        map.put(GlueSplit.DEV, file("QQP", GlueSplit.DEV, true, 6, 0, 3, 4, 5));
        map.put(GlueSplit.TEST, file("QQP", GlueSplit.TEST, true, 3, 0, 1, 2, NONE));
        return map;
    }

    /**
     * MNLI: index promptID pairID genre sentence1_binary_parse sentence2_binary_parse
     * sentence1_parse sentence2_parse sentence1 sentence2, then train: label1 gold_label (12
     * fields); dev: label1..label5 gold_label (16); test: nothing (10). AX: index sentence1
     * sentence2.
     */
    private static Map<GlueSplit, GlueFileFormat> mnliFormats() {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file("MNLI", GlueSplit.TRAIN, true, 12, 0, 8, 9, 11));
        map.put(GlueSplit.DEV_MATCHED, file("MNLI", GlueSplit.DEV_MATCHED, true, 16, 0, 8, 9, 15));
        map.put(
                GlueSplit.DEV_MISMATCHED,
                file("MNLI", GlueSplit.DEV_MISMATCHED, true, 16, 0, 8, 9, 15));
        map.put(
                GlueSplit.TEST_MATCHED,
                file("MNLI", GlueSplit.TEST_MATCHED, true, 10, 0, 8, 9, NONE));
        map.put(
                GlueSplit.TEST_MISMATCHED,
                file("MNLI", GlueSplit.TEST_MISMATCHED, true, 10, 0, 8, 9, NONE));
        map.put(
                GlueSplit.DIAGNOSTIC,
                file("diagnostic", GlueSplit.DIAGNOSTIC, true, 3, 0, 1, 2, NONE));
        return map;
    }

    /** QNLI, RTE, WNLI: index sentence1 sentence2 [label] (QNLI: question, sentence). */
    private static Map<GlueSplit, GlueFileFormat> indexedPairFormats(String task) {
        Map<GlueSplit, GlueFileFormat> map = new EnumMap<>(GlueSplit.class);
        map.put(GlueSplit.TRAIN, file(task, GlueSplit.TRAIN, true, 4, 0, 1, 2, 3));
        map.put(GlueSplit.DEV, file(task, GlueSplit.DEV, true, 4, 0, 1, 2, 3));
        map.put(GlueSplit.TEST, file(task, GlueSplit.TEST, true, 3, 0, 1, 2, NONE));
        return map;
    }
}
