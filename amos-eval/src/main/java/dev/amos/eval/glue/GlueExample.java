package dev.amos.eval.glue;

/**
 * One GLUE example as read from a split file.
 *
 * @param id the value of the file's index column (what a submission file must repeat), or the
 *     0-based data row number for files without one (CoLA/SST-2/MRPC train and dev)
 * @param textA the first (or only) sentence, exactly as in the file
 * @param textB the second sentence, or {@code null} for single-sentence tasks (CoLA, SST-2)
 * @param label the index into {@link GlueTask#labels()}, or -1 for unlabelled (test) rows and for
 *     STS-B
 * @param score the STS-B similarity in [0, 5], or {@code NaN} for classification tasks and
 *     unlabelled rows
 */
public record GlueExample(String id, String textA, String textB, int label, float score) {

    /** Whether the example is a sentence pair. */
    public boolean isPair() {
        return textB != null;
    }

    /** Whether the example carries a gold label or score. */
    public boolean isLabelled() {
        return label >= 0 || !Float.isNaN(score);
    }
}
