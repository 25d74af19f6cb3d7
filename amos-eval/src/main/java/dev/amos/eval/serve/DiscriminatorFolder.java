package dev.amos.eval.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import dev.amos.train.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The final encoder of a pretraining run: {@code DIR/discriminator/} with {@code encoder.params},
 * {@code config.json} ({@code {"model": {...}, "objective": ...}}) and {@code tokenizer.json}
 * (docs/architecture.md, "The run folder").
 *
 * @param dir the discriminator folder itself
 * @param model the model config of the run
 * @param objective the objective label recorded by the run ({@code amos}, {@code electra}, ...)
 */
public record DiscriminatorFolder(Path dir, ModelConfig model, String objective) {

    /** The longest input the tokenizer keeps: 512 or the model's max_positions if smaller. */
    public static final int MAX_LENGTH_CAP = 512;

    /** The encoder weights (DJL .params). */
    public Path params() {
        return dir.resolve(RunFolder.ENCODER_PARAMS);
    }

    /** The tokenizer used by the run. */
    public Path tokenizer() {
        return dir.resolve(RunFolder.TOKENIZER);
    }

    /** The config file ({@code model} + {@code objective}). */
    public Path configFile() {
        return dir.resolve(RunFolder.CONFIG);
    }

    /** Tokens kept per text (including [CLS] and [SEP]). */
    public int maxLength() {
        return Math.min(MAX_LENGTH_CAP, model.maxPositions());
    }

    /**
     * Tokens kept per text: {@code requested}, or {@link #maxLength()} when it is 0.
     *
     * @throws BadInputException naming {@code option} unless 0 or within {@link #checkMaxLength}'s range
     */
    public int maxLength(int requested, String option) {
        return requested == 0 ? maxLength() : checkMaxLength(requested, model.maxPositions(), option);
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
            throw new BadInputException(option + ": expected " + MIN_MAX_LENGTH + ".." + positions + " tokens (the start"
                    + " and end markers and at least one token, at most the model's " + positions + " positions), got "
                    + requested);
        }
        return requested;
    }

    /** Whether {@code dir} looks like a run folder or its discriminator folder. */
    public static boolean isRunOrDiscriminator(Path dir) {
        return Files.isRegularFile(dir.resolve(RunFolder.ENCODER_PARAMS))
                || Files.isRegularFile(dir.resolve(RunFolder.DISCRIMINATOR).resolve(RunFolder.ENCODER_PARAMS));
    }

    /**
     * Opens {@code runOrDiscriminator}: a run folder (its {@code discriminator/} is used) or the
     * discriminator folder itself.
     *
     * @throws BadInputException naming the folder when it is not a pretraining run
     */
    public static DiscriminatorFolder open(Path runOrDiscriminator) {
        Path dir = runOrDiscriminator;
        if (!Files.isRegularFile(dir.resolve(RunFolder.ENCODER_PARAMS))) {
            dir = runOrDiscriminator.resolve(RunFolder.DISCRIMINATOR);
        }
        if (!Files.isDirectory(runOrDiscriminator)) {
            throw BadInputException.of(runOrDiscriminator, "no such folder (expected a pretraining run folder)");
        }
        if (!Files.isRegularFile(dir.resolve(RunFolder.ENCODER_PARAMS))) {
            throw BadInputException.of(runOrDiscriminator, "not a pretraining run (expected "
                    + RunFolder.DISCRIMINATOR + "/" + RunFolder.ENCODER_PARAMS + " from 'amos train --out', or a folder from 'amos import')");
        }
        for (String required : new String[] {RunFolder.CONFIG, RunFolder.TOKENIZER}) {
            if (!Files.isRegularFile(dir.resolve(required))) {
                throw BadInputException.of(dir, "incomplete run: missing " + required);
            }
        }
        Path configFile = dir.resolve(RunFolder.CONFIG);
        JsonObject json = readJsonObject(configFile);
        JsonElement model = json.get("model");
        if (model == null || !model.isJsonObject()) {
            throw BadInputException.of(configFile, "expected a \"model\" object (the run's model config)");
        }
        JsonElement objective = json.get("objective");
        return new DiscriminatorFolder(dir, ModelConfig.fromJson(model.getAsJsonObject(), configFile.toString()),
                objective != null && objective.isJsonPrimitive() ? objective.getAsString() : "unknown");
    }

    static JsonObject readJsonObject(Path file) {
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
