package dev.amos.train;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AtomicFiles;
import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoint folders {@code RUN/checkpoints/step-N/}: {@code model.params} (all networks and the
 * mixture), {@code optimizer.bin} (moments and step), {@code state.json} (step, counters, clock)
 * and {@code manifest.json} (size and sha256 of each file). A checkpoint is written into a hidden
 * temporary folder and renamed into place, so a folder named {@code step-N} is always complete; the
 * manifest catches later corruption, and resume falls back to the previous good checkpoint.
 *
 * <p>No RNG state is stored: data order, masks, dropout and Gumbel noise are pure functions of
 * (seed, step), so the step is enough to continue exactly.
 */
public final class Checkpoints {

    public static final String MODEL = "model.params";
    public static final String OPTIMIZER = "optimizer.bin";
    public static final String STATE = "state.json";
    public static final String MANIFEST = "manifest.json";

    /** One complete checkpoint. */
    public record Checkpoint(long step, Path dir) {
        public JsonObject state() throws IOException {
            return JsonParser.parseString(Files.readString(dir.resolve(STATE))).getAsJsonObject();
        }
    }

    /**
     * Where a run (re)starts: the step finished, the steps skipped and the training seconds so far.
     *
     * @param checkpoint the checkpoint resumed from, or null for a new run
     */
    public record Start(
            long step, long skippedSteps, double elapsedSeconds, Checkpoint checkpoint) {

        /** A new run. */
        public static final Start NEW = new Start(0, 0, 0, null);

        /** The start of a run resumed from {@code checkpoint}. */
        public static Start of(Checkpoint checkpoint) throws IOException {
            JsonObject s = checkpoint.state();
            return new Start(
                    s.get("step").getAsLong(),
                    s.get("skipped_steps").getAsLong(),
                    s.get("elapsed_seconds").getAsDouble(),
                    checkpoint);
        }
    }

    /** Writes the content of a checkpoint into a folder. */
    @FunctionalInterface
    public interface Content {
        void write(Path dir) throws IOException;
    }

    private Checkpoints() {}

    public static Path root(Path runDir) {
        return runDir.resolve("checkpoints");
    }

    /** Writes checkpoint {@code step} atomically and keeps only the newest {@code keep}. */
    public static Path save(Path runDir, long step, int keep, Content content) throws IOException {
        Path root = root(runDir);
        Files.createDirectories(root);
        Path tmp = root.resolve(".step-" + step + ".tmp-" + ProcessHandle.current().pid());
        AtomicFiles.deleteTree(tmp);
        Files.createDirectories(tmp);
        content.write(tmp);
        JsonObject manifest = new JsonObject();
        manifest.addProperty("step", step);
        JsonObject files = new JsonObject();
        try (Stream<Path> list = Files.list(tmp)) {
            for (Path f : list.sorted().toList()) {
                JsonObject entry = new JsonObject();
                entry.addProperty("size", Files.size(f));
                entry.addProperty("sha256", Sha256.of(f));
                files.add(f.getFileName().toString(), entry);
            }
        }
        manifest.add("files", files);
        Files.writeString(tmp.resolve(MANIFEST), manifest.toString(), StandardCharsets.UTF_8);
        Path target = root.resolve("step-" + step);
        AtomicFiles.replaceFolder(tmp, target);
        deleteLeftovers(root);
        deleteOlderThanKept(runDir, target, step, keep);
        return target;
    }

    /**
     * Retention: keeps {@code written} (the newest verified checkpoint: it was just written) and
     * the newest {@code keep - 1} checkpoints older than it, ordered by the step their manifest
     * records, never by folder name (a folder renamed to {@code step-900} holding step 20 is as old
     * as step 20). A folder whose manifest cannot be read counts as the oldest. A folder whose
     * manifest records a step after {@code step} (one that resume skipped as damaged or untrusted;
     * the run is redoing those steps) is left alone: it is replaced when the run writes that step
     * again.
     */
    static void deleteOlderThanKept(Path runDir, Path written, long step, int keep)
            throws IOException {
        List<Checkpoint> older = new ArrayList<>();
        for (Checkpoint c : list(runDir)) {
            long recorded = manifestStep(c.dir());
            if (!c.dir().equals(written) && recorded < step) {
                older.add(new Checkpoint(recorded, c.dir()));
            }
        }
        older.sort(Comparator.comparingLong(Checkpoint::step));
        for (int i = 0; i < older.size() - (keep - 1); i++) {
            AtomicFiles.deleteTree(older.get(i).dir());
        }
    }

    /** The step a checkpoint folder's manifest records, or -1 when it cannot be read. */
    static long manifestStep(Path dir) {
        try {
            JsonObject manifest =
                    JsonParser.parseString(Files.readString(dir.resolve(MANIFEST)))
                            .getAsJsonObject();
            return manifest.get("step").getAsLong();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Deletes the hidden {@code .step-N.tmp-PID} / {@code .step-N.old-PID} folders that a killed
     * process left half-written (they are never read, but would fill the disk run after run).
     */
    static void deleteLeftovers(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                if (p.getFileName().toString().matches("\\.step-\\d+\\.(tmp|old)-\\d+")) {
                    AtomicFiles.deleteTree(p);
                }
            }
        }
    }

    /** All {@code step-N} folders, oldest first (not verified). */
    public static List<Checkpoint> list(Path runDir) throws IOException {
        Path root = root(runDir);
        List<Checkpoint> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (Files.isDirectory(d) && name.matches("step-\\d+")) {
                    out.add(new Checkpoint(Long.parseLong(name.substring(5)), d));
                }
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    /**
     * The newest checkpoint whose files match its manifest and whose manifest and state record the
     * step its folder name says. Each newer one that does not is reported on {@code log} in one
     * line ("falling back") and skipped.
     */
    public static Optional<Checkpoint> latestValid(Path runDir, PrintStream log)
            throws IOException {
        List<Checkpoint> all = list(runDir);
        for (int i = all.size() - 1; i >= 0; i--) {
            Checkpoint c = all.get(i);
            String damage = verifyFiles(c.dir());
            String problem = damage != null ? damage : verifyStep(c.dir(), c.step());
            if (problem == null) {
                return Optional.of(c);
            }
            log.println(
                    "amos: checkpoint "
                            + c.dir()
                            + (damage != null ? " is damaged (" : " is not trusted (")
                            + problem
                            + "); falling back to the previous one");
        }
        return Optional.empty();
    }

    /**
     * Null when the checkpoint can be trusted: every file of the manifest is present with its size
     * and checksum, and the manifest and {@code state.json} record the step of the folder's name
     * {@code step-N}; else what is wrong.
     */
    public static String verify(Path dir) throws IOException {
        String damage = verifyFiles(dir);
        if (damage != null) {
            return damage;
        }
        String name = dir.getFileName().toString();
        return name.matches("step-\\d+")
                ? verifyStep(dir, Long.parseLong(name.substring(5)))
                : null;
    }

    /**
     * Null when every file of the manifest is present with its size and checksum, else what is
     * wrong.
     */
    private static String verifyFiles(Path dir) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            return "no " + MANIFEST;
        }
        JsonObject files;
        try {
            files =
                    JsonParser.parseString(Files.readString(manifestFile))
                            .getAsJsonObject()
                            .getAsJsonObject("files");
        } catch (RuntimeException e) {
            return MANIFEST + " is not valid JSON";
        }
        if (files == null) {
            return MANIFEST + " lists no files";
        }
        for (String name : new String[] {MODEL, STATE}) {
            if (!files.has(name)) {
                return MANIFEST + " lists no " + name;
            }
        }
        for (String name : files.keySet()) {
            Path f = dir.resolve(name);
            JsonObject e = files.getAsJsonObject(name);
            if (!Files.isRegularFile(f)) {
                return name + " is missing";
            }
            if (Files.size(f) != e.get("size").getAsLong()) {
                return name
                        + " has "
                        + Files.size(f)
                        + " bytes, expected "
                        + e.get("size").getAsLong();
            }
            if (!Sha256.of(f).equals(e.get("sha256").getAsString())) {
                return name + " fails its sha256 checksum";
            }
        }
        return null;
    }

    /**
     * Null when the manifest (when it records one) and {@code state.json} record {@code step}, the
     * step of the folder's name; else what disagrees. Called on files that passed their checksums.
     */
    private static String verifyStep(Path dir, long step) throws IOException {
        long manifest = manifestStep(dir);
        if (manifest < 0) {
            return MANIFEST + " records no step";
        }
        if (manifest != step) {
            return MANIFEST + " records step " + manifest + ", the folder name step " + step;
        }
        long state;
        try {
            state = new Checkpoint(step, dir).state().get("step").getAsLong();
        } catch (RuntimeException e) {
            return STATE + " records no step";
        }
        if (state != step) {
            return STATE + " records step " + state + ", the folder name step " + step;
        }
        return null;
    }

    /** Writes a model's weights into a checkpoint folder. */
    public static void saveModel(Block block, Path dir) throws IOException {
        BlockFiles.save(block, dir.resolve(MODEL));
    }

    /** A clear error for a run folder whose checkpoints are all damaged or untrusted. */
    public static BadInputException nothingToResume(Path runDir) {
        return BadInputException.of(
                runDir,
                "--resume: no complete checkpoint under "
                        + root(runDir)
                        + " (each one fails its manifest; the lines above say why)");
    }
}
