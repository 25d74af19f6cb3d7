package dev.amos.cli;

import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.model.ValueRange;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The checks every command runs before it does any work: the {@link Range} of each numeric option
 * (the options generated from a config's table have their {@link dev.amos.model.Setting}'s range,
 * see {@link SettingOptions}), no empty path option, and whether an output path can be made.
 * Relations between options (warmup vs steps, ...) are each command's own {@code validate()}, which
 * starts with {@link #ranges}. Every failure is a {@link BadInputException}: one line, exit code 2.
 */
final class OptionChecks {

    /** Below this many usable bytes an output's file system counts as full. */
    static final long MIN_FREE_BYTES = 1L << 20;

    /** File-system types that hold no user files (kernel views, device nodes). */
    static final Set<String> PSEUDO_FILE_SYSTEMS =
            Set.of(
                    "proc",
                    "sysfs",
                    "devtmpfs",
                    "devpts",
                    "cgroup",
                    "cgroup2",
                    "debugfs",
                    "securityfs",
                    "tracefs",
                    "configfs",
                    "pstore",
                    "bpf",
                    "fusectl",
                    "mqueue",
                    "efivarfs",
                    "binfmt_misc",
                    "autofs",
                    "rpc_pipefs",
                    "nsfs");

    private OptionChecks() {}

    /** Checks every {@link Range}-annotated option of {@code command} and of its mixins. */
    static void ranges(Object command) {
        for (Field f : command.getClass().getDeclaredFields()) {
            Object value = read(f, command);
            if (f.isAnnotationPresent(Mixin.class) && value != null) {
                ranges(value);
            } else if (f.isAnnotationPresent(Option.class) && isEmptyPath(value)) {
                throw new BadInputException(
                        optionName(f) + ": expected a path, got an empty string");
            } else if (value instanceof Number n
                    && f.isAnnotationPresent(Range.class)
                    && f.isAnnotationPresent(Option.class)) {
                check(optionName(f), f.getAnnotation(Range.class), isIntegral(f.getType()), n);
            }
        }
    }

    /** An empty path ({@code --out ""} would mean the current folder), alone or in a list. */
    private static boolean isEmptyPath(Object value) {
        if (value instanceof Path p) {
            return p.toString().isEmpty();
        }
        return value instanceof Collection<?> c && c.stream().anyMatch(OptionChecks::isEmptyPath);
    }

    /** The longest name of an option field, e.g. {@code --batch-size}. */
    static String optionName(Field f) {
        String best = "";
        for (String name : f.getAnnotation(Option.class).names()) {
            best = name.length() > best.length() ? name : best;
        }
        return best;
    }

    static boolean isIntegral(Class<?> type) {
        return type == int.class
                || type == long.class
                || type == Integer.class
                || type == Long.class
                || type == short.class
                || type == Short.class;
    }

    /** The range an {@link Range} annotation declares. */
    static ValueRange range(Range r) {
        return new ValueRange(r.min(), r.max(), r.minOpen(), r.maxOpen());
    }

    /**
     * Throws naming {@code option}, the allowed values and {@code value} when it is outside {@code
     * r}.
     */
    static void check(String option, Range r, boolean integral, Number value) {
        range(r).check(option, value, integral);
    }

    /**
     * The allowed values in words: {@code >= 1}, {@code > 0}, {@code in [0, 1]}, {@code in (0, 1)}.
     */
    static String describe(Range r, boolean integral) {
        return range(r).describe(integral);
    }

    private static Object read(Field f, Object owner) {
        try {
            f.setAccessible(true);
            return f.get(owner);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code --ablation single-layer=K} on {@code model}: the single MLM generator is layer K of
     * the AMOS generator, so K must be in [1, the deepest of the config's {@code mlm_layers}].
     */
    static void ablationFits(Objective obj, ModelConfig model, String configName) {
        if (obj.ablation() == Objective.Ablation.SINGLE_LAYER
                && obj.singleLayer() > model.generatorLayers()) {
            throw new BadInputException(
                    "--ablation single-layer="
                            + obj.singleLayer()
                            + ": K must be a layer of the AMOS"
                            + " generator of "
                            + configName
                            + ", in [1, "
                            + model.generatorLayers()
                            + "] (its mlm_layers are "
                            + Arrays.toString(model.mlmLayers())
                            + ")");
        }
    }

    // ---- output paths -------------------------------------------------------------------------

    /**
     * An output folder ({@code --out DIR}): a folder, or creatable below its nearest existing
     * ancestor, on a writable, non-pseudo file system with space. Creates nothing (a probe file is
     * made and deleted in the nearest existing folder).
     */
    static void outputFolder(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw BadInputException.of(dir, option + " must be a folder; a file is in the way");
        }
        Path existing = nearestExisting(dir.toAbsolutePath().normalize());
        if (!Files.isDirectory(existing)) {
            throw BadInputException.of(
                    dir, option + " is not writable: " + existing + " is a file, not a folder");
        }
        requireWritable(existing, dir, option);
    }

    /**
     * An output file ({@code --output FILE}): not a folder, not a device or pipe, in an existing
     * folder on a writable, non-pseudo file system with space. Creates nothing.
     */
    static void outputFile(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw BadInputException.of(file, option + " is a folder; expected a file name");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file,
                    option
                            + " exists and is not a regular file (a device or pipe?); use - for stdout");
        }
        Path parent = file.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.exists(parent)) {
            throw BadInputException.of(
                    file, option + ": the folder " + parent + " does not exist (create it first)");
        }
        if (!Files.isDirectory(parent)) {
            throw BadInputException.of(
                    file, option + " is not writable: " + parent + " is a file, not a folder");
        }
        requireWritable(parent, file, option);
    }

    private static Path nearestExisting(Path p) {
        Path q = p;
        while (q.getParent() != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q;
    }

    private static void requireWritable(Path folder, Path target, String option) {
        FileStore store;
        try {
            store = Files.getFileStore(folder);
        } catch (IOException e) {
            throw BadInputException.of(
                    target,
                    option
                            + " is not writable: cannot read the file system of "
                            + folder
                            + " ("
                            + e.getMessage()
                            + ")");
        }
        String type = store.type().toLowerCase(Locale.ROOT);
        if (PSEUDO_FILE_SYSTEMS.contains(type)) {
            throw BadInputException.of(
                    target,
                    option
                            + " is not writable: "
                            + folder
                            + " is on the pseudo file system "
                            + type
                            + " (expected a folder on a disk)");
        }
        if (store.isReadOnly()) {
            throw BadInputException.of(
                    target,
                    option + " is not writable: " + folder + " is on a read-only file system");
        }
        try {
            Path probe = Files.createTempFile(folder, ".amos-write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw BadInputException.of(
                    target,
                    option
                            + " is not writable: cannot create a file in "
                            + folder
                            + " ("
                            + reason(e)
                            + ")");
        }
        long free = usableSpace(store);
        if (free < MIN_FREE_BYTES) {
            throw BadInputException.of(
                    target,
                    option
                            + ": no space left on the file system of "
                            + folder
                            + " ("
                            + free
                            + " bytes free)");
        }
    }

    private static long usableSpace(FileStore store) {
        try {
            return store.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: the writes will tell
        }
    }

    /** An I/O failure in words, without the exception's class name. */
    static String reason(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : "cannot write";
    }
}
