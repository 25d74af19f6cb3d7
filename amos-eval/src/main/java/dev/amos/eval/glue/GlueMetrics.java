package dev.amos.eval.glue;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The GLUE metrics on plain arrays: accuracy, F1 of the positive class 1 (MRPC, QQP), Matthews
 * correlation (CoLA), Pearson and Spearman correlation (STS-B), as defined in the GLUE paper (Wang
 * et al., ICLR 2019, <a href="https://arxiv.org/abs/1804.07461">arXiv:1804.07461</a>) and computed
 * like scikit-learn / SciPy.
 *
 * <p>Undefined values are reported as 0 rather than NaN, so that a degenerate model (e.g. one that
 * always predicts the same class, or a constant STS-B score) scores 0 and tables/JSON stay valid:
 * Matthews correlation when predictions or labels hold a single class, F1 with no positive
 * prediction and no positive label, Pearson/Spearman when either side is constant.
 *
 * <p>{@link #metricsFor} computes a task's {@link GlueTask#metrics()}; the number for the GLUE
 * table is {@link #mainScore}: CoLA Matthews correlation, STS-B Spearman correlation, accuracy for
 * every other task (the convention of the AMOS and COCO-LM papers' GLUE tables).
 */
public final class GlueMetrics {

    public static final String ACCURACY = "accuracy";
    public static final String F1 = "f1";
    public static final String MCC = "mcc";
    public static final String PEARSON = "pearson";
    public static final String SPEARMAN = "spearman";

    private GlueMetrics() {}

    /** The share of predictions equal to their label. */
    public static double accuracy(int[] predictions, int[] labels) {
        checkClasses(predictions, labels);
        long correct =
                IntStream.range(0, labels.length).filter(i -> predictions[i] == labels[i]).count();
        return (double) correct / labels.length;
    }

    /** F1 of the positive class 1: 2TP / (2TP + FP + FN); 0 when there is no positive at all. */
    public static double f1(int[] predictions, int[] labels) {
        checkClasses(predictions, labels);
        long truePositives = 0;
        long falsePositives = 0;
        long falseNegatives = 0;
        for (int i = 0; i < labels.length; i++) {
            boolean predicted = predictions[i] == 1;
            boolean actual = labels[i] == 1;
            truePositives += predicted && actual ? 1 : 0;
            falsePositives += predicted && !actual ? 1 : 0;
            falseNegatives += !predicted && actual ? 1 : 0;
        }
        long denominator = 2 * truePositives + falsePositives + falseNegatives;
        return denominator == 0 ? 0.0 : 2.0 * truePositives / denominator;
    }

    /**
     * Matthews correlation coefficient, in its multi-class form (Gorodkin 2004, as scikit-learn),
     * which for two classes is (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)); 0 when undefined.
     */
    public static double matthewsCorrelation(int[] predictions, int[] labels) {
        checkClasses(predictions, labels);
        int classes =
                1
                        + Math.max(
                                Arrays.stream(predictions).max().orElse(0),
                                Arrays.stream(labels).max().orElse(0));
        double[] predictedCounts = new double[classes];
        double[] trueCounts = new double[classes];
        double correct = 0;
        for (int i = 0; i < labels.length; i++) {
            predictedCounts[predictions[i]]++;
            trueCounts[labels[i]]++;
            correct += predictions[i] == labels[i] ? 1 : 0;
        }
        double samples = labels.length;
        double covariance = correct * samples - dot(predictedCounts, trueCounts);
        double predictedVariance = samples * samples - dot(predictedCounts, predictedCounts);
        double trueVariance = samples * samples - dot(trueCounts, trueCounts);
        double denominator = Math.sqrt(predictedVariance * trueVariance);
        return denominator == 0 ? 0.0 : covariance / denominator;
    }

    /** Pearson correlation of {@code x} and {@code y}; 0 when either is constant. */
    public static double pearson(double[] x, double[] y) {
        checkScores(x, y);
        double meanX = Arrays.stream(x).average().orElseThrow();
        double meanY = Arrays.stream(y).average().orElseThrow();
        double covariance = 0;
        double varianceX = 0;
        double varianceY = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - meanX;
            double dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        double denominator = Math.sqrt(varianceX * varianceY);
        return denominator == 0 ? 0.0 : Math.max(-1.0, Math.min(1.0, covariance / denominator));
    }

    /** Spearman rank correlation: Pearson of the ranks, tied values sharing their average rank. */
    public static double spearman(double[] x, double[] y) {
        checkScores(x, y);
        return pearson(averageRanks(x), averageRanks(y));
    }

    /** The 1-based ranks of {@code values}; a group of equal values gets the mean of its ranks. */
    public static double[] averageRanks(double[] values) {
        Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        int start = 0;
        while (start < order.length) {
            int end = start + 1;
            while (end < order.length && values[order[end]] == values[order[start]]) {
                end++;
            }
            double averageRank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++) {
                ranks[order[k]] = averageRank;
            }
            start = end;
        }
        return ranks;
    }

    /**
     * The metrics of a classification task, keyed and ordered as {@link GlueTask#metrics()}.
     *
     * @throws IllegalArgumentException for STS-B, different lengths, no examples or labels outside
     *     the task's label range (e.g. -1 of unlabelled test rows)
     */
    public static Map<String, Double> metricsFor(GlueTask task, int[] predictions, int[] labels) {
        if (task.isRegression()) {
            throw new IllegalArgumentException(task + " is a regression: pass scores as double[]");
        }
        checkRange(task, predictions, "prediction");
        checkRange(task, labels, "label");
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (String metric : task.metrics()) {
            metrics.put(
                    metric,
                    switch (metric) {
                        case ACCURACY -> accuracy(predictions, labels);
                        case F1 -> f1(predictions, labels);
                        case MCC -> matthewsCorrelation(predictions, labels);
                        default ->
                                throw new IllegalStateException(
                                        "no classification metric " + metric);
                    });
        }
        return Collections.unmodifiableMap(metrics);
    }

    /**
     * The metrics of STS-B: {@code pearson} and {@code spearman}.
     *
     * @throws IllegalArgumentException for a classification task, different lengths, no examples or
     *     NaN values
     */
    public static Map<String, Double> metricsFor(
            GlueTask task, double[] predictions, double[] labels) {
        if (!task.isRegression()) {
            throw new IllegalArgumentException(
                    task + " is a classification: pass label indices as int[]");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(PEARSON, pearson(predictions, labels));
        metrics.put(SPEARMAN, spearman(predictions, labels));
        return Collections.unmodifiableMap(metrics);
    }

    /** The GLUE-table number of {@code metrics}: CoLA mcc, STS-B spearman, accuracy otherwise. */
    public static double mainScore(GlueTask task, Map<String, Double> metrics) {
        Double value = metrics.get(task.mainMetric());
        if (value == null) {
            throw new IllegalArgumentException(
                    "no " + task.mainMetric() + " among " + metrics.keySet());
        }
        return value;
    }

    /** Scores classification predictions on one split. */
    public static GlueScore score(GlueTask task, GlueSplit split, int[] predictions, int[] labels) {
        return new GlueScore(task, split, metricsFor(task, predictions, labels));
    }

    /** Scores STS-B predictions on one split. */
    public static GlueScore score(
            GlueTask task, GlueSplit split, double[] predictions, double[] labels) {
        return new GlueScore(task, split, metricsFor(task, predictions, labels));
    }

    /** The gold label indices of {@code examples} (-1 for unlabelled ones). */
    public static int[] labels(List<GlueExample> examples) {
        return examples.stream().mapToInt(GlueExample::label).toArray();
    }

    /** The gold STS-B scores of {@code examples} (NaN for unlabelled ones). */
    public static double[] scores(List<GlueExample> examples) {
        return examples.stream().mapToDouble(GlueExample::score).toArray();
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void checkLengths(int predictions, int labels) {
        if (predictions != labels) {
            throw new IllegalArgumentException(
                    predictions + " predictions for " + labels + " labels");
        }
        if (labels == 0) {
            throw new IllegalArgumentException("no examples to score");
        }
    }

    private static void checkClasses(int[] predictions, int[] labels) {
        checkLengths(predictions.length, labels.length);
        if (Arrays.stream(predictions).anyMatch(v -> v < 0)
                || Arrays.stream(labels).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException(
                    "class indices must be >= 0 (unlabelled examples cannot be scored)");
        }
    }

    private static void checkRange(GlueTask task, int[] values, String what) {
        for (int value : values) {
            if (value < 0 || value >= task.labels().size()) {
                throw new IllegalArgumentException(
                        task
                                + " "
                                + what
                                + " "
                                + value
                                + " outside 0.."
                                + (task.labels().size() - 1)
                                + " (unlabelled examples cannot be scored)");
            }
        }
    }

    private static void checkScores(double[] x, double[] y) {
        checkLengths(x.length, y.length);
        if (Arrays.stream(x).anyMatch(Double::isNaN) || Arrays.stream(y).anyMatch(Double::isNaN)) {
            throw new IllegalArgumentException(
                    "scores must not be NaN (unlabelled examples cannot be scored)");
        }
    }
}
