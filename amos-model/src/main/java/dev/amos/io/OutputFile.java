package dev.amos.io;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;

/**
 * The checks of a single-file output ({@code amos embed --output}, {@code amos tokenizer train
 * --out}), before any work: not a folder, not the command's own input, not inside a folder of
 * another amos command, and an existing file replaced only with {@code --overwrite}. The file is
 * then written with {@link AtomicFiles#write} (a temporary sibling and one rename), so a reader
 * sees the old file or the new one; {@link #removeTemporaries} removes what a killed writer left.
 */
public final class OutputFile {

    private OutputFile() {}

    /**
     * Checks {@code file} as an output (nothing is created or changed).
     *
     * @param file the output file
     * @param overwrite whether an existing file may be replaced
     * @param option the option naming it, for messages ({@code --output})
     * @param inputs files and folders the command reads
     * @throws BadInputException one line naming the file and what is wrong
     */
    public static void check(Path file, boolean overwrite, String option, Path... inputs) {
        Path abs = OutputFolder.canonical(file);
        for (Path input : inputs) {
            if (input == null) {
                continue;
            }
            Path in = OutputFolder.canonical(input);
            if (in.equals(abs)) {
                throw BadInputException.of(
                        file, option + " is the command's own input; choose another file");
            }
            if (abs.startsWith(in)) {
                throw BadInputException.of(
                        file,
                        option
                                + " is inside the command's input "
                                + input
                                + "; choose a file outside it");
            }
        }
        for (Path up = abs.getParent(); up != null; up = up.getParent()) {
            AmosFolder ancestor;
            try {
                ancestor = AmosFolder.read(up);
            } catch (BadInputException e) {
                continue;
            }
            if (ancestor.state() == AmosFolder.State.AMOS) {
                throw BadInputException.of(
                        file,
                        option
                                + " is inside "
                                + up
                                + ", which is "
                                + ancestor.describe()
                                + "; amos writes into no folder of another command (choose a file outside it)");
            }
        }
        if (Files.isDirectory(file)) {
            throw BadInputException.of(file, option + " is a folder; expected a file name");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file, option + " exists and is not a regular file (a device or pipe?)");
        }
        if (Files.exists(file) && !overwrite) {
            throw BadInputException.of(
                    file,
                    option
                            + " already exists; add --overwrite to replace it, or choose another file");
        }
    }

    /**
     * Deletes the temporaries that {@link AtomicFiles#write} of {@code file} left when its process
     * was killed ({@code .NAME.PID.HEX.tmp} of a process that is gone).
     */
    public static void removeTemporaries(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String start = "." + abs.getFileName() + ".";
        try (DirectoryStream<Path> s =
                Files.newDirectoryStream(
                        parent, p -> p.getFileName().toString().startsWith(start))) {
            for (Path p : s) {
                Matcher m = AmosFolder.ATOMIC_TEMPORARY.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
