package dev.amos.train;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.amos.io.Sha256;
import dev.amos.model.Amos;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.EncoderConfig;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@code amos train --init-from DIR} starts from: an {@code amos import} output, a
 * pretraining run folder, or a run's {@code discriminator/}. The discriminator (and with it the
 * token embedding the generator and the MLM head share) is loaded from DIR's {@code
 * encoder.params}; the generator, heads and mixture start fresh, unless DIR is a run whose
 * objective and model config equal the new run's: then every network comes from DIR's last complete
 * checkpoint (continued pretraining, as in domain-adaptive pretraining, <a
 * href="https://arxiv.org/abs/2004.10964">Gururangan et al. 2020</a>). The model config and
 * tokenizer come from DIR.
 *
 * @param dir the folder as given
 * @param encoderDir the folder holding {@code encoder.params}, {@code config.json} and {@code
 *     tokenizer.json}
 * @param model DIR's model config
 * @param runDir the run folder when DIR is (or is inside) a pretraining run, else null
 */
public record InitSource(Path dir, Path encoderDir, ModelConfig model, Path runDir) {

    /**
     * Reads DIR.
     *
     * @throws BadInputException naming DIR and what was expected when it is none of the three kinds
     */
    public static InitSource open(Path dir) {
        EncoderFolder encoder = EncoderFolder.open(dir);
        Path encoderDir = encoder.dir();
        Path parent = encoderDir.equals(dir) ? dir.toAbsolutePath().getParent() : dir;
        JsonObject runConfig =
                parent == null ? null : readJsonOrNull(parent.resolve(RunFolder.CONFIG));
        Path runDir =
                runConfig != null
                                && runConfig.has("training")
                                && Files.isDirectory(Checkpoints.root(parent))
                        ? parent
                        : null;
        return new InitSource(dir, encoderDir, encoder.model(), runDir);
    }

    /**
     * DIR's tokenizer (the new run tokenizes its corpus with it); when DIR is a run, checked first
     * against the {@code tokenizer_sha256} the run's config.json records.
     */
    public Path tokenizer() throws IOException {
        Path file = encoderDir.resolve(RunFolder.TOKENIZER);
        String recorded = runDir == null ? null : RunFolder.forResume(runDir).tokenizerSha256();
        String actual = recorded == null ? null : Sha256.of(file);
        if (recorded != null && !recorded.equals(actual)) {
            throw BadInputException.of(
                    file,
                    "sha256 "
                            + actual
                            + " differs from tokenizer_sha256 "
                            + recorded
                            + " in "
                            + runDir.resolve(RunFolder.CONFIG)
                            + ": not the tokenizer the run was trained with; restore the"
                            + " run's own tokenizer.json");
        }
        return file;
    }

    /**
     * Refuses a model config whose discriminator shapes differ from DIR's (dropout, generator
     * shapes, MLM layers and the like may differ).
     *
     * @param candidate the config the new run would train
     * @param what the option that produced it, for the message
     */
    public void requireSameShapes(ModelConfig candidate, String what) {
        EncoderConfig mine = model.discriminator();
        EncoderConfig theirs = candidate.discriminator();
        String[] names = {
            "hidden_size",
            "num_layers",
            "num_heads",
            "ffn_size",
            "vocab_size",
            "embedding_size",
            "max_positions",
            "rel_pos_buckets",
            "max_rel_pos"
        };
        int[] a = {
            mine.hiddenSize(),
            mine.numLayers(),
            mine.numHeads(),
            mine.ffnSize(),
            mine.vocabSize(),
            mine.embeddingSize(),
            mine.maxPositions(),
            mine.relPosBuckets(),
            mine.maxRelPos()
        };
        int[] b = {
            theirs.hiddenSize(),
            theirs.numLayers(),
            theirs.numHeads(),
            theirs.ffnSize(),
            theirs.vocabSize(),
            theirs.embeddingSize(),
            theirs.maxPositions(),
            theirs.relPosBuckets(),
            theirs.maxRelPos()
        };
        for (int i = 0; i < names.length; i++) {
            if (a[i] != b[i]) {
                throw new BadInputException(
                        what
                                + " contradicts --init-from "
                                + dir
                                + ": it gives "
                                + names[i]
                                + " "
                                + b[i]
                                + ", the encoder has "
                                + a[i]
                                + " ("
                                + encoderDir.resolve(RunFolder.CONFIG)
                                + ")");
            }
        }
    }

    /**
     * Loads DIR's weights into a new run's networks (before the trainer initializes the rest).
     *
     * @param amos the new run's networks
     * @param objective the new run's objective
     * @param manager where the weights live
     * @param log where the one line saying what was loaded goes
     */
    public void loadInto(Amos amos, Objective objective, NDManager manager, PrintStream log)
            throws IOException {
        Optional<Checkpoints.Checkpoint> checkpoint =
                sameRunShape(amos.config(), objective)
                        ? Checkpoints.latestValid(runDir, log)
                        : Optional.empty();
        if (checkpoint.isPresent()) {
            BlockFiles.load(
                    amos,
                    manager,
                    checkpoint.get().dir().resolve(Checkpoints.MODEL),
                    runDir.resolve(RunFolder.CONFIG));
            log.println(
                    "amos: --init-from "
                            + dir
                            + ": every network (discriminator, generator, heads, mixture) from "
                            + checkpoint.get().dir()
                            + " (same objective and shapes); optimizer and schedule start fresh");
            return;
        }
        BlockFiles.load(
                amos.discriminator(),
                manager,
                encoderDir.resolve(EncoderFolder.PARAMS),
                encoderDir.resolve(RunFolder.CONFIG));
        log.println(
                "amos: --init-from "
                        + dir
                        + ": discriminator and shared token embedding from "
                        + encoderDir.resolve(EncoderFolder.PARAMS)
                        + "; generator, heads and mixture start fresh");
    }

    /**
     * Whether DIR is a run of {@code objective} on {@code model}'s shapes (its whole checkpoint
     * fits).
     */
    private boolean sameRunShape(ModelConfig candidate, Objective objective) throws IOException {
        if (runDir == null) {
            return false;
        }
        RunFolder run = RunFolder.forResume(runDir);
        return run.objective().label().equals(objective.label())
                && run.modelConfig()
                        .toJson()
                        .equals(withName(candidate, run.modelConfig().name()).toJson());
    }

    private static ModelConfig withName(ModelConfig m, String name) {
        return new ModelConfig(
                name,
                m.vocabSize(),
                m.hiddenSize(),
                m.numLayers(),
                m.numHeads(),
                m.ffnSize(),
                m.embeddingSize(),
                m.maxPositions(),
                m.relPosBuckets(),
                m.maxRelPos(),
                m.dropout(),
                m.attentionDropout(),
                m.layerNormEps(),
                m.initStd(),
                m.mlmLayers(),
                m.generatorHiddenSize(),
                m.generatorHeads(),
                m.generatorFfnSize(),
                m.electraGeneratorDivisor(),
                m.gumbelTau(),
                m.seqLen());
    }

    private static JsonObject readJsonOrNull(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file));
            return json.isJsonObject() ? json.getAsJsonObject() : null;
        } catch (IOException | JsonParseException e) {
            return null;
        }
    }
}
