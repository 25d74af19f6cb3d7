package dev.amos.eval.glue;

import static dev.amos.eval.glue.GlueFileFormat.NONE;

import dev.amos.model.BadInputException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
    public static List<GlueExample> read(Path glueDir, GlueTask task, GlueSplit split) throws IOException {
        GlueFileFormat format = task.format(split);
        Path file = glueDir.resolve(format.relativePath());
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(file, "no such file (expected the " + task + " " + split
                    + " split at GLUE_DIR/" + format.relativePath() + ", as the GLUE download script writes it)");
        }
        return read(file, task, format);
    }

    /**
     * Reads one file laid out as {@code format} with the labels of {@code task}.
     *
     * @throws BadInputException if the file is missing or malformed
     * @throws IOException if reading fails
     */
    public static List<GlueExample> read(Path file, GlueTask task, GlueFileFormat format) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(file, "no such file (expected a GLUE " + task + " .tsv file)");
        }
        List<GlueExample> examples = new ArrayList<>();
        try (LfLineReader lines = new LfLineReader(file)) {
            if (format.hasHeader()) {
                checkHeader(file, format, lines.next());
            }
            long pendingEmptyLine = 0;
            for (String line = lines.next(); line != null; line = lines.next()) {
                long lineNumber = lines.lineNumber();
                if (line.isEmpty()) {
                    pendingEmptyLine = pendingEmptyLine == 0 ? lineNumber : pendingEmptyLine;
                    continue;
                }
                if (pendingEmptyLine != 0) {
                    throw BadInputException.of(file, pendingEmptyLine, "expected " + format.fieldCount()
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
            throw BadInputException.of(file, 1, "empty file (expected a header line with "
                    + format.fieldCount() + " tab-separated fields)");
        }
        int found = countFields(header);
        if (found != format.fieldCount()) {
            throw BadInputException.of(file, 1, "expected a header line with " + format.fieldCount()
                    + " tab-separated fields, found " + found);
        }
    }

    private static String[] split(Path file, long lineNumber, String line, int fieldCount) {
        int found = countFields(line);
        if (found != fieldCount) {
            throw BadInputException.of(file, lineNumber, "expected " + fieldCount
                    + " tab-separated fields, found " + found);
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

    private static GlueExample toExample(Path file, long lineNumber, String[] fields, int row, GlueTask task,
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
            throw BadInputException.of(file, lineNumber, "expected a number in column " + (column + 1)
                    + " (the similarity score), found \"" + value + "\"");
        }
        if (score < 0f || score > 5f) {
            throw BadInputException.of(file, lineNumber, "expected a similarity score between 0 and 5 in column "
                    + (column + 1) + ", found " + value);
        }
        return score;
    }

    private static int parseLabel(Path file, long lineNumber, int column, String value, GlueTask task) {
        int label = task.labelIndex(value);
        if (label < 0) {
            throw BadInputException.of(file, lineNumber, "expected a " + task + " label in column " + (column + 1)
                    + " (one of: " + String.join(", ", task.labels()) + "), found \"" + value + "\"");
        }
        return label;
    }

    /**
     * Splits a file into lines at LF bytes only (a lone CR inside a field stays text; LF never
     * occurs inside a multi-byte UTF-8 sequence), drops a CR before the LF and a byte order mark at
     * the start, and decodes each line as strict UTF-8 so that a bad byte is reported with its line.
     */
    private static final class LfLineReader implements Closeable {
        private final Path file;
        private final InputStream input;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final byte[] buffer = new byte[1 << 16];
        private byte[] line = new byte[256];
        private int position;
        private int limit;
        private long lineNumber;

        LfLineReader(Path file) throws IOException {
            this.file = file;
            this.input = Files.newInputStream(file);
        }

        /** The 1-based number of the line last returned by {@link #next()}. */
        long lineNumber() {
            return lineNumber;
        }

        /** The next line without its terminator, or {@code null} at the end of the file. */
        String next() throws IOException {
            int length = 0;
            boolean started = false;
            while (true) {
                if (position == limit && !fill()) {
                    return started ? decode(length) : null;
                }
                started = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                length = append(length, start, position - start);
                if (position < limit) {
                    position++;
                    return decode(length);
                }
            }
        }

        private boolean fill() throws IOException {
            limit = Math.max(0, input.read(buffer, 0, buffer.length));
            position = 0;
            return limit > 0;
        }

        private int append(int length, int start, int count) {
            if (length + count > line.length) {
                line = Arrays.copyOf(line, Math.max(2 * line.length, length + count));
            }
            System.arraycopy(buffer, start, line, length, count);
            return length + count;
        }

        private String decode(int length) {
            lineNumber++;
            int from = 0;
            if (lineNumber == 1 && length >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                    && (line[2] & 0xFF) == 0xBF) {
                from = 3;
            }
            int to = length > from && line[length - 1] == '\r' ? length - 1 : length;
            try {
                return decoder.decode(ByteBuffer.wrap(line, from, to - from)).toString();
            } catch (CharacterCodingException e) {
                throw BadInputException.of(file, lineNumber, "expected UTF-8 text, found an invalid byte sequence");
            }
        }

        @Override
        public void close() throws IOException {
            input.close();
        }
    }
}
