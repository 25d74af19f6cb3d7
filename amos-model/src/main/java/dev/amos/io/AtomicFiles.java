package dev.amos.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file or folder over a good one: a temporary sibling, then
 * an atomic rename. Also the recursive delete they need.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code file} via a temporary sibling and an atomic rename (the temporary is removed
     * when writing fails).
     *
     * @param file the file to write (its folder is created)
     * @param writer writes the content
     * @throws IOException if writing fails
     */
    public static void write(Path file, Writer writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp =
                dir.resolve(
                        "."
                                + file.getFileName()
                                + "."
                                + ProcessHandle.current().pid()
                                + "."
                                + Long.toHexString(System.nanoTime())
                                + ".tmp"); // default permissions, unlike createTempFile
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                writer.write(out);
            }
            try {
                Files.move(
                        tmp,
                        file,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Puts a complete folder in place of {@code target}: the old one (if any) is renamed aside, the
     * staging folder renamed to {@code target}, then the old one deleted. {@code target} always
     * names either the old or the new complete folder.
     *
     * @param staging the complete new folder (a sibling of {@code target})
     * @param target where it goes
     * @throws IOException if a rename or the delete fails
     */
    public static void replaceFolder(Path staging, Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old =
                target.resolveSibling(
                        "."
                                + target.getFileName()
                                + ".old-"
                                + ProcessHandle.current().pid()
                                + "-"
                                + System.nanoTime());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /**
     * Deletes a file or a folder and everything under it; nothing when it does not exist.
     *
     * @param root the file or folder
     * @throws IOException if a delete fails
     */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
