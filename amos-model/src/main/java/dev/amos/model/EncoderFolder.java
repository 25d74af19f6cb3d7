package dev.amos.model;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.io.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An encoder folder, and its one reader and writer: {@code encoder.params} (the encoder's DJL
 * parameters), {@code config.json} ({@code {"model": {...}, "objective": ..., ...}}) and {@code
 * tokenizer.json}. A run's {@code discriminator/} and an {@code amos import} output are this
 * folder; a run folder stands for its {@code discriminator/}. Read by {@code --init-from}, {@code
 * finetune}, {@code embed}, {@code export} and Spark; written by {@code amos train} and {@code amos
 * import} ({@link #write}, into a staging folder swapped in whole).
 *
 * @param dir the folder holding the three files
 * @param model the model config from its {@code config.json}
 * @param objective the objective label recorded ({@code amos}, {@code electra}, ...; {@code
 *     unknown} when none)
 */
public record EncoderFolder(Path dir, ModelConfig model, String objective) {

    /** The encoder weights. */
    public static final String PARAMS = "encoder.params";

    /** The model config ({@code model}, {@code objective}, and e.g. an {@code import} section). */
    public static final String CONFIG = "config.json";

    /** The tokenizer the encoder was trained with. */
    public static final String TOKENIZER = "tokenizer.json";

    /** The encoder folder inside a run folder. */
    public static final String IN_RUN = "discriminator";

    /**
     * The {@code config.json} key holding the sha256 of {@code tokenizer.json}, checked by {@link
     * #open}.
     */
    public static final String TOKENIZER_SHA256 = "tokenizer_sha256";

    /** The longest input the tokenizer keeps: 512 or the model's max_positions if smaller. */
    public static final int MAX_LENGTH_CAP = 512;

    /** The encoder weights (DJL .params). */
    public Path params() {
        return dir.resolve(PARAMS);
    }

    /** The tokenizer used by the run. */
    public Path tokenizer() {
        return dir.resolve(TOKENIZER);
    }

    /** The config file ({@code model} + {@code objective}). */
    public Path configFile() {
        return dir.resolve(CONFIG);
    }

    /** Tokens kept per text (including [CLS] and [SEP]). */
    public int maxLength() {
        return Math.min(MAX_LENGTH_CAP, model.maxPositions());
    }

    /**
     * Tokens kept per text: {@code requested}, or {@link #maxLength()} when it is 0.
     *
     * @throws BadInputException naming {@code option} unless 0 or within {@link #checkMaxLength}'s
     *     range
     */
    public int maxLength(int requested, String option) {
        return requested == 0
                ? maxLength()
                : checkMaxLength(requested, model.maxPositions(), option);
    }

    /** The fewest tokens a text can be cut to: its start and end markers and one token. */
    public static final int MIN_MAX_LENGTH = 3;

    /**
     * Checks a requested maximum length against a model's positions.
     *
     * @return {@code requested}
     * @throws BadInputException naming {@code option} unless {@code 3 <= requested <= positions}
     */
    public static int checkMaxLength(int requested, int positions, String option) {
        if (requested < MIN_MAX_LENGTH || requested > positions) {
            throw new BadInputException(
                    option
                            + ": expected "
                            + MIN_MAX_LENGTH
                            + ".."
                            + positions
                            + " tokens (the start"
                            + " and end markers and at least one token, at most the model's "
                            + positions
                            + " positions), got "
                            + requested);
        }
        return requested;
    }

    /** Whether {@code dir} looks like a run folder or its discriminator folder. */
    public static boolean isRunOrDiscriminator(Path dir) {
        return Files.isRegularFile(dir.resolve(PARAMS))
                || Files.isRegularFile(dir.resolve(IN_RUN).resolve(PARAMS));
    }

    /**
     * Opens {@code runOrDiscriminator}: a run folder (its {@code discriminator/} is used) or the
     * discriminator folder itself.
     *
     * @throws BadInputException naming the folder when it is not a pretraining run
     */
    public static EncoderFolder open(Path runOrDiscriminator) {
        Path dir = runOrDiscriminator;
        if (!Files.isRegularFile(dir.resolve(PARAMS))) {
            dir = runOrDiscriminator.resolve(IN_RUN);
        }
        if (!Files.isDirectory(runOrDiscriminator)) {
            throw BadInputException.of(
                    runOrDiscriminator, "no such folder (expected a pretraining run folder)");
        }
        if (!Files.isRegularFile(dir.resolve(PARAMS))) {
            throw BadInputException.of(
                    runOrDiscriminator,
                    "not a pretraining run (expected "
                            + IN_RUN
                            + "/"
                            + PARAMS
                            + " from 'amos train --out', or a folder from 'amos import')");
        }
        for (String required : new String[] {CONFIG, TOKENIZER}) {
            if (!Files.isRegularFile(dir.resolve(required))) {
                throw BadInputException.of(dir, "incomplete run: missing " + required);
            }
        }
        Path configFile = dir.resolve(CONFIG);
        JsonObject json = readJsonObject(configFile);
        JsonElement model = json.get("model");
        if (model == null || !model.isJsonObject()) {
            throw BadInputException.of(
                    configFile, "expected a \"model\" object (the run's model config)");
        }
        JsonElement recorded = json.get(TOKENIZER_SHA256);
        if (recorded != null
                && recorded.isJsonPrimitive()) { // folders written before it was recorded have none
            String actual = sha256(dir.resolve(TOKENIZER));
            if (!recorded.getAsString().equals(actual)) {
                throw BadInputException.of(
                        dir.resolve(TOKENIZER),
                        "sha256 "
                                + actual
                                + " differs from "
                                + TOKENIZER_SHA256
                                + " "
                                + recorded.getAsString()
                                + " in "
                                + configFile
                                + ": not the tokenizer"
                                + " this encoder was trained with; restore that file");
            }
        }
        JsonElement objective = json.get("objective");
        return new EncoderFolder(
                dir,
                ModelConfig.fromJson(model.getAsJsonObject(), configFile.toString()),
                objective != null && objective.isJsonPrimitive()
                        ? objective.getAsString()
                        : "unknown");
    }

    /**
     * Loads the weights into {@code encoder}, an initialized encoder of {@link #model()} (shapes
     * checked).
     */
    public void loadInto(Block encoder, NDManager manager) {
        BlockFiles.load(encoder, manager, params());
    }

    /**
     * Writes the three files into {@code dir} (a staging folder the caller swaps into place).
     *
     * @param dir the folder (created when missing)
     * @param encoder the encoder whose parameters are saved
     * @param model its model config
     * @param objective the objective label
     * @param extra further {@code config.json} sections (e.g. {@code import}), or null
     * @param tokenizerJson the tokenizer.json text
     */
    public static void write(
            Path dir,
            Block encoder,
            ModelConfig model,
            String objective,
            JsonObject extra,
            String tokenizerJson)
            throws IOException {
        Files.createDirectories(dir);
        BlockFiles.save(encoder, dir.resolve(PARAMS));
        JsonObject config = new JsonObject();
        config.add("model", model.toJson());
        config.addProperty("objective", objective);
        config.addProperty(
                TOKENIZER_SHA256, Sha256.of(tokenizerJson.getBytes(StandardCharsets.UTF_8)));
        if (extra != null) {
            extra.entrySet().forEach(e -> config.add(e.getKey(), e.getValue()));
        }
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n";
        Files.writeString(dir.resolve(CONFIG), text, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(TOKENIZER), tokenizerJson, StandardCharsets.UTF_8);
    }

    private static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        }
    }

    /** Reads a JSON object file, or a bad input naming it. */
    public static JsonObject readJsonObject(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file));
            if (!json.isJsonObject()) {
                throw BadInputException.of(file, "expected a JSON object");
            }
            return json.getAsJsonObject();
        } catch (IOException e) {
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        } catch (JsonParseException e) {
            throw BadInputException.of(file, "invalid JSON: " + e.getMessage());
        }
    }
}
