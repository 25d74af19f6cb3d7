package dev.amos.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one way amos writes a folder (docs/reliability.md, "Folder kinds"). Before any work, {@link
 * #check} refuses a target that is a file, a folder of another {@link FolderKind}, a non-empty
 * folder that amos did not write, a folder inside another amos folder, the command's own input or a
 * parent or child of it, or a folder of the same kind without {@code --overwrite}: one line, exit
 * code 2, nothing touched. {@link #open} then checks again under the folder's {@link FolderLock}
 * and removes what a killed writer of this target left.
 *
 * <p>Two ways to write:
 *
 * <ul>
 *   <li>{@link #staged}: every file goes into a staging folder beside the target, and {@link
 *       #commit} swaps it in with a rename, so the target always holds the old complete set or the
 *       new one (export, import, Spark output).
 *   <li>{@link #inPlace}: for writers that fill their folder over hours and are resumed (train,
 *       finetune, glue): the marker is written first, each file atomically, under the lock; {@link
 *       #adding} for a writer that adds files to a folder of its kind (eval's submission files).
 * </ul>
 *
 * <pre>{@code
 * OutputFolder.check(out, FolderKind.EXPORT, overwrite, "--out", model);   // before any work
 * try (OutputFolder folder = OutputFolder.staged(out, FolderKind.EXPORT, overwrite, "--out", model)) {
 *     write(folder.dir());          // the staging folder
 *     folder.commit(fields);        // marker + one rename
 * }
 * }</pre>
 */
public final class OutputFolder implements AutoCloseable {

    private static final String STAGING = ".amos-staging-";
    private static final String OLD = ".amos-old-";

    private final Path target;
    private final FolderKind kind;
    private final FolderLock lock;
    private final Path staging;
    private final boolean created;
    private boolean committed;

    private OutputFolder(
            Path target, FolderKind kind, FolderLock lock, Path staging, boolean created) {
        this.target = target;
        this.kind = kind;
        this.lock = lock;
        this.staging = staging;
        this.created = created;
    }

    /**
     * Checks {@code target} as a writer of {@code kind} (nothing is created or changed).
     *
     * @param target the output folder
     * @param kind what the writer writes
     * @param overwrite whether a folder of the same kind may be replaced
     * @param option the option naming the target, for messages ({@code --out})
     * @param inputs the folders and files the command reads (the target may be none of them, nor a
     *     parent or child of one)
     * @return what the target is now
     * @throws BadInputException one line naming the folder and what it is
     */
    public static AmosFolder check(
            Path target, FolderKind kind, boolean overwrite, String option, Path... inputs) {
        Path abs = canonical(target);
        for (Path input : inputs) {
            if (input == null) {
                continue;
            }
            Path in = canonical(input);
            if (in.equals(abs)) {
                throw BadInputException.of(
                        target, option + " is the command's own input; choose another folder");
            }
            if (abs.startsWith(in)) {
                throw BadInputException.of(
                        target,
                        option
                                + " is inside the command's input "
                                + input
                                + "; choose a folder outside it");
            }
            if (in.startsWith(abs)) {
                throw BadInputException.of(
                        target,
                        option
                                + " contains the command's input "
                                + input
                                + "; choose another folder");
            }
        }
        for (Path up = abs.getParent(); up != null; up = up.getParent()) {
            AmosFolder ancestor = readQuietly(up);
            if (ancestor != null
                    && ancestor.state() == AmosFolder.State.AMOS
                    && !(kind == FolderKind.FINETUNE && ancestor.is(FolderKind.GLUE))) {
                throw BadInputException.of(
                        target,
                        option
                                + " is inside "
                                + up
                                + ", which is "
                                + ancestor.describe()
                                + "; amos writes into no folder of another command (choose a folder outside it)");
            }
        }
        AmosFolder now = AmosFolder.read(target);
        switch (now.state()) {
            case FILE ->
                    throw BadInputException.of(
                            target, option + " must be a folder; a file is in the way");
            case FOREIGN ->
                    throw BadInputException.of(
                            target,
                            option
                                    + " is not empty and amos did not write it; "
                                    + kind.writer()
                                    + " writes only into a new or empty folder (or a previous "
                                    + kind.id()
                                    + " folder with --overwrite)");
            case AMOS -> {
                if (now.is(kind)
                        && AmosFolder.names(target).equals(List.of(AmosFolder.markerName(kind)))) {
                    return now; // a writer of this kind that failed before writing anything
                }
                if (!now.is(kind)) {
                    throw BadInputException.of(
                            target,
                            option
                                    + " is "
                                    + now.describe()
                                    + "; "
                                    + kind.writer()
                                    + " writes "
                                    + kind.description()
                                    + " and replaces no other kind of folder (choose another "
                                    + option
                                    + ")");
                }
                if (!overwrite) {
                    throw BadInputException.of(
                            target,
                            option
                                    + " already holds "
                                    + now.describe()
                                    + "; add "
                                    + (kind == FolderKind.RUN ? "--resume to continue it, " : "")
                                    + "--overwrite to replace it, or choose another "
                                    + option);
                }
            }
            default -> {}
        }
        return now;
    }

    /**
     * For a folder amos only adds files of its own to (a token-shard cache, a profile folder):
     * refuses one that is, or lies inside, a folder of an amos kind, in one line.
     *
     * @param dir the folder
     * @param option the option naming it, for messages ({@code --cache})
     */
    public static void requireOutsideAmosFolders(Path dir, String option) {
        Path abs = canonical(dir);
        for (Path up = abs; up != null; up = up.getParent()) {
            AmosFolder folder = readQuietly(up);
            if (folder != null && folder.state() == AmosFolder.State.AMOS) {
                throw BadInputException.of(
                        dir,
                        option
                                + (up.equals(abs) ? " is " : " is inside " + up + ", which is ")
                                + folder.describe()
                                + "; amos writes into no folder of another command (choose a folder outside it)");
            }
        }
    }

    /**
     * Opens {@code target} for a writer that builds the whole folder in a staging folder and swaps
     * it in on {@link #commit}. Until then the target is unchanged (it is created empty, to hold
     * the lock, when missing).
     */
    public static OutputFolder staged(
            Path target, FolderKind kind, boolean overwrite, String option, Path... inputs)
            throws IOException {
        OutputFolder folder = open(target, kind, overwrite, option, inputs);
        Path staging = sibling(target, STAGING);
        Files.createDirectory(staging);
        return new OutputFolder(folder.target, kind, folder.lock, staging, folder.created);
    }

    /**
     * Opens {@code target} for a writer that writes in place under the lock (train, finetune, glue,
     * eval). The marker is written at once; a folder of the same kind (with {@code overwrite}) is
     * first moved aside and deleted.
     *
     * @param fields marker fields beside {@code kind}
     */
    public static OutputFolder inPlace(
            Path target,
            FolderKind kind,
            boolean overwrite,
            String option,
            JsonObject fields,
            Path... inputs)
            throws IOException {
        OutputFolder folder = open(target, kind, overwrite, option, inputs);
        if (!AmosFolder.names(target).isEmpty()) { // the same kind, with overwrite: start afresh
            Path old =
                    sibling(
                            target,
                            OLD); // a writer killed from here until the lock is taken: the next one
            // puts it back
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            FolderLock fresh = FolderLock.acquire(target);
            folder.lock.close();
            folder = new OutputFolder(target, kind, fresh, null, false);
            deleteQuietly(old);
        }
        writeMarker(target, kind, fields);
        return folder;
    }

    /**
     * Opens {@code target} for a writer that adds files to a folder of its kind (GLUE submission
     * files of one task after another): a folder of the same kind is kept as it is, and the writer
     * itself decides which of its files may be replaced. The marker is written when missing.
     */
    public static OutputFolder adding(
            Path target, FolderKind kind, String option, JsonObject fields, Path... inputs)
            throws IOException {
        OutputFolder folder = open(target, kind, true, option, inputs);
        if (!Files.isRegularFile(target.resolve(AmosFolder.markerName(kind)))) {
            writeMarker(target, kind, fields);
        }
        return folder;
    }

    private static OutputFolder open(
            Path target, FolderKind kind, boolean overwrite, String option, Path... inputs)
            throws IOException {
        check(target, kind, overwrite, option, inputs);
        restoreInterrupted(target);
        boolean created = !Files.exists(target);
        FolderLock lock;
        try {
            lock = FolderLock.acquire(target);
        } catch (IOException e) {
            throw BadInputException.of(
                    target, option + " is not writable (" + e.getMessage() + ")");
        }
        try {
            check(
                    target, kind, overwrite, option,
                    inputs); // again, now that no other writer can change it
            removeLeftovers(target);
        } catch (RuntimeException | IOException e) {
            lock.close();
            throw e;
        }
        return new OutputFolder(target, kind, lock, null, created);
    }

    /** Where to write: the staging folder of a staged writer, the target of an in-place one. */
    public Path dir() {
        return staging != null ? staging : target;
    }

    /** The target folder. */
    public Path target() {
        return target;
    }

    /**
     * Completes a staged folder: writes its marker ({@code kind} and {@code fields}) and swaps it
     * in place of the target with a rename (the previous folder is renamed aside first and then
     * deleted; a writer killed between the two renames leaves the previous folder aside, and the
     * next writer of this target puts it back before anything else).
     */
    public void commit(JsonObject fields) throws IOException {
        if (staging == null) {
            throw new IllegalStateException("commit is for staged writers");
        }
        writeMarker(staging, kind, fields);
        Path old = sibling(target, OLD);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        deleteQuietly(old);
    }

    /**
     * Releases the lock; an uncommitted staging folder is deleted, and a target this writer created
     * and left empty.
     */
    @Override
    public void close() throws IOException {
        try {
            if (staging != null && !committed) {
                deleteQuietly(staging);
            }
            List<String> left = AmosFolder.names(target);
            left.remove(AmosFolder.markerName(kind));
            if (created
                    && !committed
                    && left.isEmpty()) { // failed before writing anything: leave no trace
                deleteQuietly(target);
            }
        } finally {
            lock.close();
        }
    }

    /** Writes the files of a folder. */
    @FunctionalInterface
    public interface Content {
        void write(Path dir) throws IOException;
    }

    /**
     * Writes a folder that lives inside a folder this process already holds (a run's {@code
     * discriminator/}, a fine-tune's {@code best/}): built beside {@code target}, marked as {@code
     * kind} and swapped in with a rename, so {@code target} is always the old complete folder or
     * the new one.
     */
    public static void writeInside(Path target, FolderKind kind, JsonObject fields, Content content)
            throws IOException {
        restoreInterrupted(target);
        removeLeftovers(target);
        Path staging = sibling(target, STAGING);
        Files.createDirectories(staging);
        try {
            content.write(staging);
            writeMarker(staging, kind, fields);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staging);
            throw e;
        }
        if (!Files.exists(target)) {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = sibling(target, OLD);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        deleteQuietly(old);
    }

    /**
     * Writes the marker of {@code dir} ({@code amos-folder.json}, a Spark output's {@code
     * _amos-folder.json}): {@code kind} first, then {@code fields}.
     */
    public static void writeMarker(Path dir, FolderKind kind, JsonObject fields)
            throws IOException {
        JsonObject marker = new JsonObject();
        marker.addProperty("kind", kind.id());
        if (fields != null) {
            fields.entrySet().forEach(e -> marker.add(e.getKey(), e.getValue()));
        }
        byte[] text =
                (new GsonBuilder().setPrettyPrinting().create().toJson(marker) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve(AmosFolder.markerName(kind)), out -> out.write(text));
    }

    /** A writer killed between the two renames of a swap left the target aside: put it back. */
    private static void restoreInterrupted(Path target) throws IOException {
        if (Files.exists(target)) {
            return;
        }
        List<Path> olds = leftovers(target, OLD);
        if (olds.isEmpty()) {
            return;
        }
        Path newest = olds.get(olds.size() - 1);
        try {
            Files.move(newest, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // another writer restored it first, or the target came back: the checks under the lock
            // decide
        }
    }

    /**
     * Under the lock: staging and set-aside folders of killed writers, and their temporaries inside
     * the target.
     */
    private static void removeLeftovers(Path target) throws IOException {
        for (Path p : leftovers(target, STAGING)) {
            deleteQuietly(p);
        }
        for (Path p : leftovers(target, OLD)) {
            deleteQuietly(p);
        }
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(target)) {
                for (Path p : s) {
                    if (AmosFolder.ATOMIC_TEMPORARY.matcher(p.getFileName().toString()).matches()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** The siblings {@code .NAME<prefix>PID-NANOS} of {@code target}, oldest first. */
    private static List<Path> leftovers(Path target, String prefix) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        List<Path> out = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return out;
        }
        String start = "." + abs.getFileName() + prefix;
        try (DirectoryStream<Path> s =
                Files.newDirectoryStream(
                        parent, p -> p.getFileName().toString().startsWith(start))) {
            s.forEach(out::add);
        }
        out.sort(Comparator.comparingLong(p -> nanos(p.getFileName().toString())));
        return out;
    }

    private static long nanos(String name) {
        try {
            return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static Path sibling(Path target, String prefix) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.resolveSibling(
                "."
                        + abs.getFileName()
                        + prefix
                        + ProcessHandle.current().pid()
                        + "-"
                        + System.currentTimeMillis() * 1_000_000L
                        + System.nanoTime() % 1_000_000L);
    }

    private static void deleteQuietly(Path p) {
        try {
            AtomicFiles.deleteTree(p);
        } catch (IOException | RuntimeException e) {
            // another writer of this target removes it under the lock
        }
    }

    private static AmosFolder readQuietly(Path dir) {
        try {
            return AmosFolder.read(dir);
        } catch (BadInputException e) {
            return null; // an unreadable ancestor is no amos folder we know of
        }
    }

    /** The absolute path with symbolic links of its existing part resolved. */
    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }
}
