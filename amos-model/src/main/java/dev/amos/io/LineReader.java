package dev.amos.io;

import dev.amos.model.BadInputException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the lines of one text file: plain UTF-8 or gzip (recognised by its magic bytes), split at
 * LF bytes only (a lone CR inside a line stays text; LF never occurs inside a multi-byte UTF-8
 * sequence). The one line reader of the project: corpus files (lenient) and GLUE files (strict).
 *
 * <p>CRLF line ends become LF and are counted, a leading byte-order mark is dropped. Invalid UTF-8:
 * lenient readers replace each bad sequence by U+FFFD and count it (damage is local in a corpus);
 * strict readers throw {@link BadInputException} naming the file and line (a bad byte in a labelled
 * file is an error). Either way a NUL byte or corrupt gzip data throws, naming the file and line.
 */
public final class LineReader implements Closeable {

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final CountingInputStream counting;
    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int bufferPos;
    private int bufferEnd;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private long invalidUtf8;
    private long crlfLines;
    private long firstInvalidUtf8Line;
    private boolean eof;
    private final boolean strict;

    /**
     * A lenient reader (invalid UTF-8 becomes U+FFFD, counted).
     *
     * @param file the file
     * @throws IOException if it cannot be opened
     */
    public LineReader(Path file) throws IOException {
        this(file, false);
    }

    /**
     * A reader.
     *
     * @param file the file
     * @param strictUtf8 whether invalid UTF-8 is an error (else replaced and counted)
     * @throws IOException if it cannot be opened
     */
    public LineReader(Path file, boolean strictUtf8) throws IOException {
        this.file = file;
        this.strict = strictUtf8;
        this.counting = new CountingInputStream(Files.newInputStream(file));
        BufferedInputStream buffered = new BufferedInputStream(counting, BUFFER_BYTES);
        InputStream stream = buffered;
        if (isGzip(buffered)) {
            try {
                stream = new GZIPInputStream(buffered, BUFFER_BYTES);
            } catch (ZipException | EOFException e) {
                counting.close();
                throw BadInputException.of(
                        file, "corrupt gzip header (expected a .gz file of UTF-8 text)");
            }
        }
        this.in = stream;
    }

    /**
     * Reads the next line, without its line end.
     *
     * @return the line, or null at the end of the file
     * @throws BadInputException on a NUL byte or corrupt gzip data
     */
    public String readLine() throws IOException {
        if (eof) {
            return null;
        }
        int length = 0;
        boolean sawAny = false;
        while (true) {
            if (bufferPos == bufferEnd && !fill()) {
                eof = true;
                if (!sawAny) {
                    return null;
                }
                break;
            }
            sawAny = true;
            int start = bufferPos;
            int newline = -1;
            for (int i = start; i < bufferEnd; i++) {
                byte b = buffer[i];
                if (b == '\n') {
                    newline = i;
                    break;
                }
                if (b == 0) {
                    throw BadInputException.of(
                            file,
                            lineNumber + 1,
                            "binary data (NUL byte; expected UTF-8 text, one paragraph per line)");
                }
            }
            int end = newline < 0 ? bufferEnd : newline;
            length = append(length, start, end);
            bufferPos = newline < 0 ? bufferEnd : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        lineNumber++;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
            crlfLines++;
        }
        int offset = 0;
        if (lineNumber == 1
                && length >= 3
                && (line[0] & 0xFF) == 0xEF
                && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF) {
            offset = 3;
        }
        return decode(offset, length - offset);
    }

    private int append(int length, int start, int end) {
        int count = end - start;
        if (length + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
        }
        System.arraycopy(buffer, start, line, length, count);
        return length + count;
    }

    private boolean fill() throws IOException {
        int read;
        try {
            read = in.read(buffer, 0, buffer.length);
        } catch (ZipException | EOFException e) {
            throw BadInputException.of(
                    file,
                    lineNumber + 1,
                    "corrupt or truncated gzip data (" + e.getMessage() + ")");
        }
        if (read <= 0) {
            return false;
        }
        bufferPos = 0;
        bufferEnd = read;
        return true;
    }

    private String decode(int offset, int length) {
        String text = new String(line, offset, length, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            int malformed = countMalformedUtf8(line, offset, length);
            if (malformed > 0 && strict) {
                throw BadInputException.of(
                        file, lineNumber, "expected UTF-8 text, found an invalid byte sequence");
            }
            if (malformed > 0 && invalidUtf8 == 0) {
                firstInvalidUtf8Line = lineNumber;
            }
            invalidUtf8 += malformed;
        }
        return text;
    }

    /**
     * Counts the malformed UTF-8 sequences of a byte range (each one is replaced by one U+FFFD).
     */
    static int countMalformedUtf8(byte[] bytes, int offset, int length) {
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer input = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer output = CharBuffer.allocate(Math.max(16, length));
        int malformed = 0;
        while (true) {
            CoderResult result = decoder.decode(input, output, true);
            if (result.isError()) {
                malformed++;
                input.position(input.position() + result.length());
            } else if (result.isOverflow()) {
                output.clear();
            } else {
                break;
            }
        }
        return malformed;
    }

    private static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b;
    }

    /**
     * @return lines returned so far (the current line number, 1-based)
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * @return invalid UTF-8 sequences replaced by U+FFFD so far
     */
    public long invalidUtf8() {
        return invalidUtf8;
    }

    /**
     * @return the first line with invalid UTF-8, or 0 if none
     */
    public long firstInvalidUtf8Line() {
        return firstInvalidUtf8Line;
    }

    /**
     * @return lines that ended in CRLF so far
     */
    public long crlfLines() {
        return crlfLines;
    }

    /**
     * @return bytes of the file read so far (compressed bytes for gzip)
     */
    public long fileBytesRead() {
        return counting.count();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
