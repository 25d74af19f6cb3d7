package dev.amos.train;

import dev.amos.io.AtomicFiles;
import dev.amos.io.Sha256;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
 * temporary folder and renamed into place, so a folder named {@code step-N} is always complete;
 * the manifest catches later corruption, and resume falls back to the previous good checkpoint.
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
    public record Start(long step, long skippedSteps, double elapsedSeconds, Checkpoint checkpoint) {

        /** A new run. */
        public static final Start NEW = new Start(0, 0, 0, null);

        /** The start of a run resumed from {@code checkpoint}. */
        public static Start of(Checkpoint checkpoint) throws IOException {
            JsonObject s = checkpoint.state();
            return new Start(s.get("step").getAsLong(), s.get("skipped_steps").getAsLong(),
                    s.get("elapsed_seconds").getAsDouble(), checkpoint);
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
        List<Checkpoint> all = list(runDir);
        for (int i = 0; i < all.size() - keep; i++) {
            AtomicFiles.deleteTree(all.get(i).dir());
        }
        return target;
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
     * The newest checkpoint whose files match its manifest. Each newer one that does not is
     * reported on {@code log} ("falling back") and skipped.
     */
    public static Optional<Checkpoint> latestValid(Path runDir, PrintStream log) throws IOException {
        List<Checkpoint> all = list(runDir);
        for (int i = all.size() - 1; i >= 0; i--) {
            Checkpoint c = all.get(i);
            String problem = verify(c.dir());
            if (problem == null) {
                return Optional.of(c);
            }
            log.println("amos: checkpoint " + c.dir() + " is damaged (" + problem + "); falling back to the previous one");
        }
        return Optional.empty();
    }

    /** Null when every file of the manifest is present with its size and checksum, else what is wrong. */
    public static String verify(Path dir) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            return "no " + MANIFEST;
        }
        JsonObject files;
        try {
            files = JsonParser.parseString(Files.readString(manifestFile)).getAsJsonObject().getAsJsonObject("files");
        } catch (RuntimeException e) {
            return MANIFEST + " is not valid JSON";
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
                return name + " has " + Files.size(f) + " bytes, expected " + e.get("size").getAsLong();
            }
            if (!Sha256.of(f).equals(e.get("sha256").getAsString())) {
                return name + " fails its sha256 checksum";
            }
        }
        return null;
    }

    /** Writes a model's weights into a checkpoint folder. */
    public static void saveModel(ai.djl.nn.Block block, Path dir) throws IOException {
        BlockFiles.save(block, dir.resolve(MODEL));
    }

    /** A clear error for a run folder that cannot be resumed. */
    public static BadInputException nothingToResume(Path runDir) {
        return BadInputException.of(runDir, "--resume: no complete checkpoint under " + root(runDir));
    }
}
