package dev.amos.eval.glue;

import static dev.amos.eval.glue.GlueFileFormat.NONE;

import dev.amos.io.LineReader;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads GLUE split files ({@code GLUE_DIR/<TASK>/<split>.tsv}) exactly as the standard GLUE
 * download script writes them: tab-separated fields, never quoted (a {@code "} is part of the text;
 * SST-2 and QNLI rows contain unbalanced quotes), lines ended by LF (a CR before it is dropped), an
 * optional final newline (CoLA dev has none), a UTF-8 byte order mark ignored (MRPC's header starts
 * with one), CoLA train/dev without header. Every line must have exactly the split's field count,
 * so a stray tab can never silently shift a column.
 *
 * <p>Any malformed input is a {@link BadInputException} naming the file, line and what was
 * expected; empty lines are only tolerated at the very end of a file.
 */
public final class GlueReader {

    private GlueReader() {}

    /** The path of {@code split} of {@code task} below {@code glueDir}. */
    public static Path path(Path glueDir, GlueTask task, GlueSplit split) {
        return glueDir.resolve(task.format(split).relativePath());
    }

    /**
     * Reads {@code split} of {@code task} from the standard layout below {@code glueDir}.
     *
     * @throws BadInputException if the task has no such split, the file is missing or malformed
     * @throws IOException if reading fails
     */
    public static List<GlueExample> read(Path glueDir, GlueTask task, GlueSplit split)
            throws IOException {
        GlueFileFormat format = task.format(split);
        Path file = glueDir.resolve(format.relativePath());
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file,
                    "no such file (expected the "
                            + task
                            + " "
                            + split
                            + " split at GLUE_DIR/"
                            + format.relativePath()
                            + ", as the GLUE download script writes it)");
        }
        return read(file, task, format);
    }

    /**
     * Reads one file laid out as {@code format} with the labels of {@code task}.
     *
     * @throws BadInputException if the file is missing or malformed
     * @throws IOException if reading fails
     */
    public static List<GlueExample> read(Path file, GlueTask task, GlueFileFormat format)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file, "no such file (expected a GLUE " + task + " .tsv file)");
        }
        List<GlueExample> examples = new ArrayList<>();
        try (LineReader lines = new LineReader(file, true)) {
            if (format.hasHeader()) {
                checkHeader(file, format, lines.readLine());
            }
            long pendingEmptyLine = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                long lineNumber = lines.lineNumber();
                if (line.isEmpty()) {
                    pendingEmptyLine = pendingEmptyLine == 0 ? lineNumber : pendingEmptyLine;
                    continue;
                }
                if (pendingEmptyLine != 0) {
                    throw BadInputException.of(
                            file,
                            pendingEmptyLine,
                            "expected "
                                    + format.fieldCount()
                                    + " tab-separated fields, found an empty line");
                }
                String[] fields = split(file, lineNumber, line, format.fieldCount());
                examples.add(toExample(file, lineNumber, fields, examples.size(), task, format));
            }
        }
        return examples;
    }

    private static void checkHeader(Path file, GlueFileFormat format, String header) {
        if (header == null) {
            throw BadInputException.of(
                    file,
                    1,
                    "empty file (expected a header line with "
                            + format.fieldCount()
                            + " tab-separated fields)");
        }
        int found = countFields(header);
        if (found != format.fieldCount()) {
            throw BadInputException.of(
                    file,
                    1,
                    "expected a header line with "
                            + format.fieldCount()
                            + " tab-separated fields, found "
                            + found);
        }
    }

    private static String[] split(Path file, long lineNumber, String line, int fieldCount) {
        int found = countFields(line);
        if (found != fieldCount) {
            throw BadInputException.of(
                    file,
                    lineNumber,
                    "expected " + fieldCount + " tab-separated fields, found " + found);
        }
        String[] fields = new String[fieldCount];
        int start = 0;
        for (int i = 0; i < fieldCount - 1; i++) {
            int tab = line.indexOf('\t', start);
            fields[i] = line.substring(start, tab);
            start = tab + 1;
        }
        fields[fieldCount - 1] = line.substring(start);
        return fields;
    }

    private static int countFields(String line) {
        int count = 1;
        for (int i = line.indexOf('\t'); i >= 0; i = line.indexOf('\t', i + 1)) {
            count++;
        }
        return count;
    }

    private static GlueExample toExample(
            Path file,
            long lineNumber,
            String[] fields,
            int row,
            GlueTask task,
            GlueFileFormat format) {
        String id = format.idColumn() == NONE ? String.valueOf(row) : fields[format.idColumn()];
        String textB = format.isPair() ? fields[format.textBColumn()] : null;
        int label = -1;
        float score = Float.NaN;
        if (format.isLabelled()) {
            String value = fields[format.labelColumn()].strip();
            if (task.isRegression()) {
                score = parseScore(file, lineNumber, format.labelColumn(), value);
            } else {
                label = parseLabel(file, lineNumber, format.labelColumn(), value, task);
            }
        }
        return new GlueExample(id, fields[format.textAColumn()], textB, label, score);
    }

    private static float parseScore(Path file, long lineNumber, int column, String value) {
        float score;
        try {
            score = Float.parseFloat(value);
        } catch (NumberFormatException e) {
            score = Float.NaN;
        }
        if (!Float.isFinite(score)) {
            throw BadInputException.of(
                    file,
                    lineNumber,
                    "expected a number in column "
                            + (column + 1)
                            + " (the similarity score), found \""
                            + value
                            + "\"");
        }
        if (score < 0f || score > 5f) {
            throw BadInputException.of(
                    file,
                    lineNumber,
                    "expected a similarity score between 0 and 5 in column "
                            + (column + 1)
                            + ", found "
                            + value);
        }
        return score;
    }

    private static int parseLabel(
            Path file, long lineNumber, int column, String value, GlueTask task) {
        int label = task.labelIndex(value);
        if (label < 0) {
            throw BadInputException.of(
                    file,
                    lineNumber,
                    "expected a "
                            + task
                            + " label in column "
                            + (column + 1)
                            + " (one of: "
                            + String.join(", ", task.labels())
                            + "), found \""
                            + value
                            + "\"");
        }
        return label;
    }
}
