package dev.amos.eval.finetune;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import dev.amos.train.RunFolder;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pretrained encoder of a pretraining run folder: {@code DIR/discriminator/{encoder.params,
 * config.json, tokenizer.json}} ({@code DIR} itself may also be the {@code discriminator} folder).
 *
 * @param encoderDir the folder holding the three files
 * @param model the model config from its {@code config.json}
 */
public record PretrainedRun(Path encoderDir, ModelConfig model) {

    /**
     * Finds and reads the discriminator of {@code dir}.
     *
     * @throws BadInputException if the folder or one of its files is missing or malformed
     */
    public static PretrainedRun open(Path dir) throws IOException {
        Path encoderDir = Files.isRegularFile(dir.resolve(RunFolder.ENCODER_PARAMS)) ? dir : dir.resolve(RunFolder.DISCRIMINATOR);
        for (String name : new String[] {RunFolder.ENCODER_PARAMS, RunFolder.CONFIG, RunFolder.TOKENIZER}) {
            if (!Files.isRegularFile(encoderDir.resolve(name))) {
                throw BadInputException.of(encoderDir.resolve(name), "no such file (expected a pretraining run folder"
                        + " written by 'amos train', with discriminator/" + name + ")");
            }
        }
        Path configFile = encoderDir.resolve(RunFolder.CONFIG);
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw BadInputException.of(configFile, "not a JSON object: " + e.getMessage());
        }
        if (!json.has("model") || !json.get("model").isJsonObject()) {
            throw BadInputException.of(configFile, "missing \"model\" object (expected {\"model\": {...}, \"objective\": ...})");
        }
        return new PretrainedRun(encoderDir, ModelConfig.fromJson(json.getAsJsonObject("model"), configFile.toString()));
    }

    /** The tokenizer the encoder was pretrained with. */
    public Path tokenizer() {
        return encoderDir.resolve(RunFolder.TOKENIZER);
    }

    /** Loads the pretrained weights into {@code encoder} (an initialized encoder of {@link #model()}). */
    public void loadInto(Encoder encoder, NDManager manager) {
        BlockFiles.load(encoder, manager, encoderDir.resolve(RunFolder.ENCODER_PARAMS));
    }
}
