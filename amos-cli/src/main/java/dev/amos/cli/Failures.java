package dev.amos.cli;

import dev.amos.model.BadInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/**
 * Unexpected failures in words for the CLI's last-resort handler: what failed and
 * where, on one line, without a Java exception class name.
 */
final class Failures {

    /** {@code java.io.IOException: }, {@code IllegalStateException:} and the like. */
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:[a-zA-Z_$][\\w$]*\\.)*[A-Z][\\w$]*(?:Exception|Error|Throwable)\\b:?\\s*");

    private Failures() {}

    /** The {@link BadInputException} that {@code ex} is or was caused by, or null. */
    static BadInputException badInput(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadInputException b) {
                return b;
            }
        }
        return null;
    }

    /** What failed, in words: the deepest cause with something to say. */
    static String describe(Throwable ex) {
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
        return where == null ? what : what + " (in " + where.getFileName() + ":" + where.getLineNumber() + ")";
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
            return e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "file system error");
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
    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String s = message.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }

    /** {@code message} without Java exception class names. */
    static String withoutClassNames(String message) {
        return CLASS_NAME.matcher(message).replaceAll("");
    }
}
