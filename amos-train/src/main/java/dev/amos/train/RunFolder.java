package dev.amos.train;

import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.io.AmosFolder;
import dev.amos.io.AtomicFiles;
import dev.amos.io.FolderKind;
import dev.amos.io.FolderLock;
import dev.amos.io.OutputFolder;
import dev.amos.io.Sha256;
import dev.amos.model.Amos;
import dev.amos.model.BadInputException;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.data.CorpusTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * A pretraining run folder (docs/architecture.md, "The run folder"): {@code config.json}, {@code
 * tokenizer.json}, {@code metrics.jsonl}, {@code checkpoints/step-N/}, {@code discriminator/},
 * {@code report.html}.
 */
public final class RunFolder {

    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";

    /**
     * One JSON object per logged step ({@link MetricsLogger}, read by {@code report.MetricsLog}).
     */
    public static final String METRICS = "metrics.jsonl";

    public static final String DISCRIMINATOR = EncoderFolder.IN_RUN;

    private final Path dir;
    private JsonObject config;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Takes the run folder's lock ({@link FolderLock}, through {@link OutputFolder}) before
     * anything in it is read or written, so a second {@code amos train} or {@code --resume} on a
     * live run stops at once, naming the PID that holds it. A new run's folder is checked as every
     * amos output is ({@link OutputFolder#inPlace}: new, empty, or an earlier run with {@code
     * overwrite}); a resumed one must be a pretraining run ({@link AmosFolder#require}).
     *
     * @param dir the run folder
     * @param resume whether the run is to be continued (it must then hold a config.json)
     * @param overwrite whether a new run replaces an earlier run in {@code dir}
     * @param inputs what the new run reads (corpus, tokenizer, --init-from): never the run folder
     * @return the held folder; close it to release the lock
     */
    public static OutputFolder lock(Path dir, boolean resume, boolean overwrite, Path... inputs)
            throws IOException {
        if (!resume) {
            JsonObject fields = new JsonObject();
            return OutputFolder.inPlace(dir, FolderKind.RUN, overwrite, "--out", fields, inputs);
        }
        AmosFolder.require(dir, "--resume", "a pretraining run (amos train --out)", FolderKind.RUN);
        OutputFolder folder = OutputFolder.adding(dir, FolderKind.RUN, "--out", null);
        if (!Files.isRegularFile(dir.resolve(CONFIG))) {
            folder.close();
            throw BadInputException.of(
                    dir,
                    "--resume: the run was stopped before it wrote its config.json; start it"
                            + " again with amos train --out "
                            + dir
                            + " --overwrite");
        }
        return folder;
    }

    /** A new run: the folder may exist but must not hold a run yet, and must be writable. */
    public static RunFolder create(Path dir) throws IOException {
        if (Files.exists(dir.resolve(CONFIG))) {
            throw BadInputException.of(
                    dir,
                    "already holds a run (config.json); use --resume to continue it, --overwrite"
                            + " to start it afresh, or another --out");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw BadInputException.of(dir, "--out must be a folder, this is a file");
        }
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw BadInputException.of(
                    dir, "output folder is not writable (" + e.getMessage() + ")");
        }
        return new RunFolder(dir);
    }

    /**
     * Refuses to start when the output folder's file store has less usable space than {@code
     * checkpoints} checkpoints of a model with {@code parameters} float32 weights need, plus the
     * final discriminator and {@link #SPACE_MARGIN_BYTES}: better a clear error now than a full
     * disk at the first checkpoint.
     *
     * @param parameters weights of all networks (generator, discriminator, mixture)
     * @param checkpoints checkpoint folders that exist at once (kept ones + the one being written)
     * @param usableSpace free bytes of the file store holding a path ({@link #usableSpace} in
     *     production; tests inject their own)
     * @throws BadInputException naming the folder, the space free and the space needed
     */
    void requireFreeSpace(long parameters, int checkpoints, ToLongFunction<Path> usableSpace) {
        long needed = requiredBytes(parameters, checkpoints);
        long free = usableSpace.applyAsLong(dir);
        if (free < needed) {
            throw BadInputException.of(
                    dir,
                    String.format(
                            Locale.ROOT,
                            "not enough free disk space: %.1f MB free, expected at least %.1f MB (%d checkpoint(s) of %.1f MB"
                                    + " + final model + %d MB margin); free space, choose another --out or lower"
                                    + " --keep-checkpoints",
                            free / 1e6,
                            needed / 1e6,
                            checkpoints,
                            checkpointBytes(parameters) / 1e6,
                            SPACE_MARGIN_BYTES >> 20));
        }
    }

    /** Slack kept free beyond the estimate (metrics, report, config, file-system overhead). */
    static final long SPACE_MARGIN_BYTES = 64L << 20;

    /** Bytes of one checkpoint: float32 weights and AdamW's two float32 moments per weight. */
    static long checkpointBytes(long parameters) {
        return parameters * Float.BYTES * 3;
    }

    /**
     * Bytes a run needs free: {@code checkpoints} checkpoints, the final encoder and the margin.
     */
    static long requiredBytes(long parameters, int checkpoints) {
        return checkpointBytes(parameters) * checkpoints
                + parameters * Float.BYTES
                + SPACE_MARGIN_BYTES;
    }

    /**
     * Usable bytes of the file store holding {@code path} (Long.MAX_VALUE when it cannot be read).
     */
    static long usableSpace(Path path) {
        try {
            return Files.getFileStore(path).getUsableSpace();
        } catch (IOException e) {
            return Long
                    .MAX_VALUE; // an unreadable store is not a reason to refuse; writes will tell
        }
    }

    /** Number of weights of all parameters (initialized). */
    static long parameterCount(ParameterList params) {
        long n = 0;
        for (Parameter p : params.values()) {
            n += p.getArray().size();
        }
        return n;
    }

    /** An existing run to continue. */
    public static RunFolder forResume(Path dir) throws IOException {
        Path c = dir.resolve(CONFIG);
        if (!Files.isRegularFile(c)) {
            throw BadInputException.of(dir, "--resume: not a run folder (no config.json)");
        }
        RunFolder run = new RunFolder(dir);
        try {
            run.config = JsonParser.parseString(Files.readString(c)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw BadInputException.of(c, "expected the JSON config of a run");
        }
        return run;
    }

    /**
     * Writes config.json (model, objective, training, corpus, and {@code init_from} when the run
     * started from other weights) and the tokenizer.
     */
    void writeConfig(
            ModelConfig model,
            Objective objective,
            TrainConfig training,
            List<Path> corpus,
            List<Path> validCorpus,
            CorpusTokenizer tokenizer,
            Path initFrom)
            throws IOException {
        JsonObject c = new JsonObject();
        c.add("model", model.toJson());
        c.addProperty("objective", objective.kind().name().toLowerCase());
        c.addProperty("ablation", objective.ablationName());
        c.add("training", training.toJson());
        c.add("precision", Precision.toJson());
        JsonArray files = new JsonArray();
        corpus.forEach(p -> files.add(p.toAbsolutePath().normalize().toString()));
        c.add("corpus", files);
        JsonArray valid = new JsonArray();
        validCorpus.forEach(p -> valid.add(p.toAbsolutePath().normalize().toString()));
        c.add("valid_corpus", valid);
        c.addProperty(
                "tokenizer_sha256",
                tokenizer.tokenizerJsonSha256()); // of the tokenizer.json written below
        if (initFrom != null) {
            c.addProperty("init_from", initFrom.toAbsolutePath().normalize().toString());
        }
        config = c;
        // the tokenizer first: a config.json (what makes the folder a run) always has its tokenizer
        // beside it
        writeText(dir.resolve(TOKENIZER), tokenizer.tokenizerJson());
        writeJson(dir.resolve(CONFIG), c);
    }

    /**
     * Records in config.json that a resumed run was extended ({@code --resume --steps N}): {@code
     * training.steps} becomes {@code steps} and {@code extensions} gains {@code {from_step,
     * steps_before, steps, lr_rule}}.
     */
    void recordExtension(long fromStep, TrainConfig extended, String lrRule) throws IOException {
        JsonObject e = new JsonObject();
        e.addProperty("from_step", fromStep);
        e.addProperty("steps_before", trainConfig().steps());
        e.addProperty("steps", extended.steps());
        e.addProperty("lr_rule", lrRule);
        JsonObject c = config.deepCopy();
        c.add("training", extended.toJson());
        JsonArray all = c.has("extensions") ? c.getAsJsonArray("extensions") : new JsonArray();
        all.add(e);
        c.add("extensions", all);
        writeJson(dir.resolve(CONFIG), c);
        config = c;
    }

    /** The model config of the run. */
    public ModelConfig modelConfig() {
        return ModelConfig.fromJson(
                config.getAsJsonObject("model"), dir.resolve(CONFIG).toString());
    }

    public Objective objective() {
        return Objective.parse(
                config.get("objective").getAsString(), config.get("ablation").getAsString());
    }

    public TrainConfig trainConfig() {
        return TrainConfig.fromJson(
                config.getAsJsonObject("training"), dir.resolve(CONFIG).toString());
    }

    /** The corpus files of the run (absolute). */
    public List<Path> corpus() {
        return paths("corpus");
    }

    /** The {@code --init-from} folder the run was started from (absolute), or null. */
    public Path initFrom() {
        return config.has("init_from") ? Path.of(config.get("init_from").getAsString()) : null;
    }

    /**
     * The sha256 of the run's tokenizer.json (the file written beside config.json; for a run
     * started from a vocab.txt, of the tokenizer.json made from it), or null when not recorded.
     */
    public String tokenizerSha256() {
        return config.has("tokenizer_sha256") ? config.get("tokenizer_sha256").getAsString() : null;
    }

    /**
     * The run's {@code tokenizer.json}, once its sha256 proved equal to the {@code
     * tokenizer_sha256} of config.json: a run trained on other token ids must not go on with these.
     *
     * @throws BadInputException naming the file and both hashes when they differ, or what is
     *     missing
     */
    public Path verifiedTokenizer() throws IOException {
        Path file = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw BadInputException.of(
                    file,
                    "missing: the run's tokenizer (the one its config.json records by"
                            + " tokenizer_sha256); restore it from a copy of the run");
        }
        String recorded = tokenizerSha256();
        if (recorded == null) {
            throw BadInputException.of(
                    dir.resolve(CONFIG),
                    "no tokenizer_sha256: the run's tokenizer.json cannot be"
                            + " verified (expected the config.json that 'amos train' wrote)");
        }
        String actual = Sha256.of(file);
        if (!actual.equals(recorded)) {
            throw BadInputException.of(
                    file,
                    "sha256 "
                            + actual
                            + " differs from tokenizer_sha256 "
                            + recorded
                            + " in "
                            + CONFIG
                            + ": not the tokenizer this run was trained with (its token ids would be remapped);"
                            + " restore the run's own tokenizer.json, or start a new run");
        }
        return file;
    }

    List<Path> validCorpus() {
        return paths("valid_corpus");
    }

    private List<Path> paths(String key) {
        List<Path> out = new ArrayList<>();
        if (!config.has(key)) {
            return out;
        }
        for (JsonElement e : config.getAsJsonArray(key)) {
            out.add(Path.of(e.getAsString()));
        }
        return out;
    }

    /**
     * discriminator/ ({@link FolderKind#ENCODER}): encoder.params, config.json (model + objective),
     * tokenizer.json, built beside it and swapped in whole.
     */
    void writeDiscriminator(
            Amos amos, ModelConfig model, Objective objective, CorpusTokenizer tokenizer)
            throws IOException {
        OutputFolder.writeInside(
                dir.resolve(DISCRIMINATOR),
                FolderKind.ENCODER,
                null,
                d ->
                        EncoderFolder.write(
                                d,
                                amos.discriminator(),
                                model,
                                objective.label(),
                                null,
                                tokenizer.tokenizerJson()));
    }

    static void writeJson(Path file, JsonObject json) throws IOException {
        writeText(file, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n");
    }

    static void writeText(Path file, String text) throws IOException {
        AtomicFiles.write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
