package dev.amos.train.data;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns the {@code --corpus} arguments (files, folders, {@code .gz} files) into the ordered list of
 * corpus files: a file is taken as is; a folder contributes every regular file below it, found
 * recursively and sorted by relative path, skipping hidden files and folders (names starting with
 * {@code .}). A file named twice is read once.
 */
public final class CorpusInputs {

    private CorpusInputs() {}

    /**
     * Resolves the corpus arguments.
     *
     * @param arguments files and folders, in the order given
     * @return the corpus files in reading order
     * @throws BadInputException for a missing path, an empty argument list, or a folder without
     *     files
     */
    public static List<InputFile> resolve(List<Path> arguments) {
        if (arguments.isEmpty()) {
            throw new BadInputException(
                    "no corpus given (expected text files, .gz files or folders)");
        }
        Set<Path> files = new LinkedHashSet<>();
        for (Path argument : arguments) {
            if (Files.isDirectory(argument)) {
                List<Path> found = filesBelow(argument);
                if (found.isEmpty()) {
                    throw BadInputException.of(
                            argument,
                            "no text files in this folder (expected .txt or .gz files, hidden files are skipped)");
                }
                files.addAll(found);
            } else if (Files.isRegularFile(argument)) {
                files.add(argument.toAbsolutePath().normalize());
            } else {
                throw BadInputException.of(
                        argument,
                        "no such file or folder (expected a text file, a .gz file or a folder of them)");
            }
        }
        List<InputFile> inputs = new ArrayList<>(files.size());
        for (Path file : files) {
            inputs.add(describe(file));
        }
        return inputs;
    }

    /**
     * The size and last-modified time of one file.
     *
     * @param file an existing file
     * @return its description
     */
    public static InputFile describe(Path file) {
        try {
            Path absolute = file.toAbsolutePath().normalize();
            return new InputFile(
                    absolute.toString(),
                    Files.size(absolute),
                    Files.getLastModifiedTime(absolute).toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> filesBelow(Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(path -> !isHidden(root.relativize(path)))
                    .sorted(
                            (a, b) ->
                                    root.relativize(a)
                                            .toString()
                                            .compareTo(root.relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
