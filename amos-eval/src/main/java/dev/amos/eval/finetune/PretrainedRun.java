package dev.amos.eval.finetune;

import dev.amos.eval.serve.DiscriminatorFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import dev.amos.train.RunFolder;
import ai.djl.ndarray.NDManager;
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
     * Finds and reads the discriminator of {@code dir} (with {@link DiscriminatorFolder#open}, which
     * checks its files).
     *
     * @throws BadInputException if the folder or one of its files is missing or malformed
     */
    public static PretrainedRun open(Path dir) {
        DiscriminatorFolder folder = DiscriminatorFolder.open(dir);
        return new PretrainedRun(folder.dir(), folder.model());
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
