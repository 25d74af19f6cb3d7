package dev.amos.model;

import java.nio.file.Path;

/**
 * A user error: bad input file, bad option, bad config. The CLI prints {@link #getMessage()} as one
 * line on stderr and exits with code 2, without a stack trace.
 *
 * <p>Messages name the file (and line, when there is one) and what was expected, e.g. {@code
 * models/x.json: unknown key "hiden_size" (expected one of: ...)}.
 */
public class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An error about {@code file}. */
    public static BadInputException of(Path file, String what) {
        return new BadInputException(file + ": " + what);
    }

    /** An error about line {@code line} (1-based) of {@code file}. */
    public static BadInputException of(Path file, long line, String what) {
        return new BadInputException(file + ":" + line + ": " + what);
    }
}
