package dev.amos.eval.glue;

/**
 * The layout of one GLUE split file: where it lies below {@code GLUE_DIR}, whether it has a header
 * line, how many tab-separated fields every line has, and which (0-based) column holds the example
 * id, sentence A, sentence B and the label. A column of {@link #NONE} is absent.
 *
 * <p>The files are the output of the standard GLUE download script: tab-separated, never quoted (a
 * {@code "} is an ordinary character), UTF-8, one example per line.
 *
 * @param relativePath the path below {@code GLUE_DIR}, e.g. {@code MNLI/dev_matched.tsv}
 * @param hasHeader whether the first line is a header (CoLA train/dev have none)
 * @param fieldCount the number of tab-separated fields of every line (header included)
 * @param idColumn the column of the example index (test files have one), or {@link #NONE}: the
 *     0-based data row number is used then
 * @param textAColumn the column of the first sentence
 * @param textBColumn the column of the second sentence, or {@link #NONE} for single-sentence tasks
 * @param labelColumn the column of the label or STS-B score, or {@link #NONE} for unlabelled splits
 */
public record GlueFileFormat(
        String relativePath,
        boolean hasHeader,
        int fieldCount,
        int idColumn,
        int textAColumn,
        int textBColumn,
        int labelColumn) {

    /** Marks an absent column. */
    public static final int NONE = -1;

    public GlueFileFormat {
        for (int column : new int[] {idColumn, textAColumn, textBColumn, labelColumn}) {
            if (column < NONE || column >= fieldCount) {
                throw new IllegalArgumentException(
                        "column " + column + " outside 0.." + (fieldCount - 1));
            }
        }
        if (textAColumn == NONE) {
            throw new IllegalArgumentException("every GLUE file has a first sentence");
        }
    }

    /** Whether the lines carry a label (or score). */
    public boolean isLabelled() {
        return labelColumn != NONE;
    }

    /** Whether the examples are sentence pairs. */
    public boolean isPair() {
        return textBColumn != NONE;
    }
}
