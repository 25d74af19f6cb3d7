package dev.amos.eval.glue;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one task on one split, e.g. MNLI on {@code dev_mismatched}.
 *
 * @param task the task
 * @param split the split scored (MNLI matched and mismatched are separate scores)
 * @param metrics metric name to value, in the task's metric order: in [0, 1], correlations in [-1,
 *     1] (see {@link GlueMetrics})
 */
public record GlueScore(GlueTask task, GlueSplit split, Map<String, Double> metrics) {

    public GlueScore {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** The number for the GLUE table ({@link GlueMetrics#mainScore}). */
    public double mainScore() {
        return GlueMetrics.mainScore(task, metrics);
    }
}
