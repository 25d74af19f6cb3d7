package dev.amos.eval.glue;

import dev.amos.model.BadInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A split of a GLUE task, named as the file stem in the standard GLUE layout ({@code
 * GLUE_DIR/<TASK>/<stem>.tsv}). MNLI has matched and mismatched dev/test splits; the diagnostic set
 * (AX, {@code GLUE_DIR/diagnostic/diagnostic.tsv}) is evaluated with the MNLI model and is
 * therefore a split of {@link GlueTask#MNLI}.
 *
 * <p>See Wang et al., "GLUE: A Multi-Task Benchmark and Analysis Platform for Natural Language
 * Understanding", ICLR 2019, <a href="https://gluebenchmark.com/tasks">gluebenchmark.com/tasks</a>.
 */
public enum GlueSplit {
    TRAIN("train"),
    DEV("dev"),
    DEV_MATCHED("dev_matched"),
    DEV_MISMATCHED("dev_mismatched"),
    TEST("test"),
    TEST_MATCHED("test_matched"),
    TEST_MISMATCHED("test_mismatched"),
    DIAGNOSTIC("diagnostic");

    private final String stem;

    GlueSplit(String stem) {
        this.stem = stem;
    }

    /** The file stem of this split, e.g. {@code dev_matched}. */
    public String stem() {
        return stem;
    }

    /** Whether this is a development split (labelled, used for model selection). */
    public boolean isDev() {
        return this == DEV || this == DEV_MATCHED || this == DEV_MISMATCHED;
    }

    /** Whether this is an unlabelled split whose predictions go to the GLUE server. */
    public boolean isTest() {
        return this == TEST
                || this == TEST_MATCHED
                || this == TEST_MISMATCHED
                || this == DIAGNOSTIC;
    }

    /**
     * Parses a split by its stem (case-insensitive, '-' accepted for '_').
     *
     * @throws BadInputException for an unknown name, listing the valid ones
     */
    public static GlueSplit parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (GlueSplit split : values()) {
            if (split.stem.equals(wanted)) {
                return split;
            }
        }
        throw new BadInputException(
                "unknown GLUE split \""
                        + name
                        + "\" (expected one of: "
                        + Arrays.stream(values())
                                .map(GlueSplit::stem)
                                .collect(Collectors.joining(", "))
                        + ")");
    }

    @Override
    public String toString() {
        return stem;
    }
}
