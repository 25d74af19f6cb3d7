package dev.amos.eval.serve;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fake pretraining run with a tiny random encoder (vocab of models/tokenizer.json, H 32, 2
 * layers).
 */
final class TinyRun {

    static final List<String> TEXTS =
            List.of(
                    "hello world",
                    "a",
                    "",
                    "the quick brown fox jumps over the lazy dog while the cat watches from the window",
                    "AMOS trains an encoder against a mixture of generators.",
                    // longer than max_positions 64: truncated to 64 tokens
                    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                            + "seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four twenty-five "
                            + "twenty-six twenty-seven twenty-eight twenty-nine thirty thirty-one thirty-two thirty-three "
                            + "and then it keeps going for a while longer so that no tokenizer could fit it in sixty-four",
                    "short one");

    private TinyRun() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
    }

    static ModelConfig config() {
        return ModelConfig.load(repoRoot().resolve("models/amos-tiny.json"))
                .with(
                        Map.of(
                                "hidden_size",
                                "32",
                                "num_layers",
                                "2",
                                "num_heads",
                                "2",
                                "ffn_size",
                                "64",
                                "max_positions",
                                "64",
                                "seq_len",
                                "32",
                                "dropout",
                                "0.1"));
    }

    /** Writes DIR/discriminator/{encoder.params, config.json, tokenizer.json}; returns DIR. */
    static Path create(Path dir, long seed) throws IOException {
        ModelConfig config = config();
        Path disc = dir.resolve("discriminator");
        Files.createDirectories(disc);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            Encoder encoder = Encoder.owning(config.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            // larger LayerNorm gains than the init so vectors of different texts differ clearly
            encoder.namedTensors()
                    .forEach(
                            (name, array) -> {
                                if (name.endsWith("ln.weight") || name.endsWith("ln2.weight")) {
                                    array.muli(3f);
                                }
                            });
            BlockFiles.save(encoder, disc.resolve("encoder.params"));
        }
        JsonObject json = new JsonObject();
        json.add("model", config.toJson());
        json.addProperty("objective", "amos");
        Files.writeString(disc.resolve("config.json"), json.toString(), StandardCharsets.UTF_8);
        Files.copy(repoRoot().resolve("models/tokenizer.json"), disc.resolve("tokenizer.json"));
        return dir;
    }

    static float maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError("rows " + a.length + " vs " + b.length);
        }
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new AssertionError(
                        "row " + i + ": width " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return worst;
    }
}
