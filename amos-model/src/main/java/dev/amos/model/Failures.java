package dev.amos.model;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/**
 * The last-resort handler of both launchers ({@code amos} and {@code amos spark}): a failure in
 * words, what failed and where, on one line without a Java exception class name; exit code 2 for
 * bad input, else 1.
 */
public final class Failures {

    /** {@code java.io.IOException: }, {@code IllegalStateException:} and the like. */
    private static final Pattern CLASS_NAME =
            Pattern.compile(
                    "\\b(?:[a-zA-Z_$][\\w$]*\\.)*[A-Z][\\w$]*(?:Exception|Error|Throwable)\\b:?\\s*");

    private Failures() {}

    /**
     * Reports {@code ex} on one line of {@code err} and returns the exit code: for bad input
     * ({@link BadInputException}, also as the cause of another exception) {@code "<program>:
     * <message>"} and 2; else {@code "<program>: error: <command> failed: <what and where>"} and 1.
     * The stack trace follows only when {@code verbose}.
     *
     * @param program the launcher's name, the prefix of the line ({@code amos}, {@code amos spark})
     * @param command the command that failed, e.g. {@code amos train}
     */
    public static int report(
            Throwable ex, String program, String command, boolean verbose, PrintWriter err) {
        BadInputException bad = badInput(ex);
        if (bad != null) {
            err.println(program + ": " + withoutClassNames(firstLine(bad.getMessage())));
        } else {
            err.println(
                    program
                            + ": error: "
                            + command
                            + " failed: "
                            + describe(ex)
                            + (verbose ? "" : " (run with --verbose for the stack trace)"));
        }
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return bad != null ? 2 : 1;
    }

    /** The {@link BadInputException} that {@code ex} is or was caused by, or null. */
    public static BadInputException badInput(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadInputException b) {
                return b;
            }
        }
        return null;
    }

    /** What failed, in words: the deepest cause with something to say. */
    public static String describe(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String what = words(root);
        if (what.isEmpty() && root != ex) {
            what = words(ex);
        }
        if (what.isEmpty()) {
            what = "an internal error with no message";
        }
        StackTraceElement where = firstAmosFrame(ex);
        return where == null
                ? what
                : what + " (in " + where.getFileName() + ":" + where.getLineNumber() + ")";
    }

    private static String words(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return "out of memory (give the JVM more, e.g. AMOS_HEAP=8g, or lower --batch-size)";
        }
        if (t instanceof NoSuchFileException e) {
            return e.getFile() + ": no such file or folder";
        }
        if (t instanceof AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        if (t instanceof FileSystemException e && e.getFile() != null) {
            return e.getFile()
                    + ": "
                    + (e.getReason() != null ? e.getReason() : "file system error");
        }
        if (t instanceof StackOverflowError) {
            return "stack overflow";
        }
        String message = t.getMessage();
        return message == null ? "" : withoutClassNames(firstLine(message)).strip();
    }

    private static StackTraceElement firstAmosFrame(Throwable ex) {
        for (StackTraceElement e : ex.getStackTrace()) {
            if (e.getClassName().startsWith("dev.amos.") && e.getFileName() != null) {
                return e;
            }
        }
        return null;
    }

    /** The message's first line ({@code ""} for null). */
    public static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String s = message.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }

    /** {@code message} without Java exception class names. */
    public static String withoutClassNames(String message) {
        return CLASS_NAME.matcher(message).replaceAll("");
    }
}
