package dev.amos.train.tokenizer;

import dev.amos.io.LineReader;
import dev.amos.io.ProgressBar;
import dev.amos.model.BadInputException;
import dev.amos.train.data.CorpusInputs;
import dev.amos.train.data.InputFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams the text lines of a corpus as {@code amos train} reads it ({@link CorpusInputs}: files,
 * folders, {@code .gz}; {@link LineReader}: UTF-8, a NUL byte is an error, invalid sequences become
 * U+FFFD and are noted): every line stripped, blank lines skipped. A file without any text line is
 * refused.
 */
final class CorpusLines {

    private CorpusLines() {}

    /**
     * Reads every text line of the corpus.
     *
     * @param corpus files and folders
     * @param label the progress bar's label
     * @param progress where the bar and notes go; null for none
     * @param line receives every non-blank line, stripped
     * @return the number of text lines read
     * @throws BadInputException for a missing path, a binary file or a file without text
     * @throws IOException if reading fails
     */
    static long read(List<Path> corpus, String label, PrintStream progress, Consumer<String> line)
            throws IOException {
        List<InputFile> inputs = CorpusInputs.resolve(corpus);
        long totalBytes = inputs.stream().mapToLong(InputFile::size).sum();
        long lines = 0;
        long bytesBefore = 0;
        ProgressBar bar =
                progress == null ? null : ProgressBar.forBytes(label, totalBytes, progress);
        for (InputFile input : inputs) {
            Path file = Path.of(input.path());
            long fileLines = 0;
            try (LineReader reader = new LineReader(file)) {
                String text;
                while ((text = reader.readLine()) != null) {
                    text = text.strip();
                    if (text.isEmpty()) {
                        continue;
                    }
                    fileLines++;
                    line.accept(text);
                    if (bar != null && (fileLines & 1023) == 0) {
                        bar.update(bytesBefore + reader.fileBytesRead());
                    }
                }
                if (fileLines == 0) {
                    throw BadInputException.of(
                            file, "no text (expected UTF-8 text, one paragraph per line)");
                }
                if (reader.invalidUtf8() > 0 && progress != null) {
                    progress.println(
                            "note: "
                                    + file
                                    + ":"
                                    + reader.firstInvalidUtf8Line()
                                    + ": replaced "
                                    + reader.invalidUtf8()
                                    + " invalid UTF-8 sequence(s) in this file by U+FFFD");
                }
            }
            bytesBefore += input.size();
            lines += fileLines;
        }
        if (bar != null) {
            bar.update(totalBytes);
            bar.close();
        }
        return lines;
    }
}
