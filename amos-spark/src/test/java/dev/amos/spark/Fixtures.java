package dev.amos.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.SequenceClassifier;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Tiny random models in the run / fine-tuned folder layouts, texts, and the local[2] session. */
final class Fixtures {

    /**
     * Texts as {@code amos embed} gets them: an empty one, and one far longer than max_positions
     * 64.
     */
    static final List<String> TEXTS =
            List.of(
                    "hello world",
                    "",
                    "the quick brown fox jumps over the lazy dog while the cat watches from the window",
                    "AMOS trains an encoder against a mixture of generators.",
                    "a",
                    String.join(" ", java.util.Collections.nCopies(300, "word"))
                            + " and an end that is cut off",
                    "short one",
                    "spark partitions are batched and padded to their longest text");

    private Fixtures() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("amos.repo.root", "..")).toAbsolutePath().normalize();
    }

    static SparkSession localSpark() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("amos-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config(
                        "spark.hadoop.fs." + OtherSchemeFileSystem.SCHEME + ".impl",
                        OtherSchemeFileSystem.class.getName())
                .getOrCreate();
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

    /**
     * A pretraining run folder with a random encoder: DIR/discriminator/{encoder.params,
     * config.json, tokenizer.json}.
     */
    static Path run(Path dir, long seed) throws IOException {
        ModelConfig config = config();
        Path disc = Files.createDirectories(dir.resolve("discriminator"));
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            Encoder encoder = Encoder.owning(config.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            encoder.namedTensors()
                    .forEach(
                            (name, array) -> {
                                if (name.endsWith("ln.weight") || name.endsWith("ln2.weight")) {
                                    array.muli(3f); // so that different texts get clearly different
                                    // vectors
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

    /**
     * A fine-tuned {@code task} folder (max length 48) whose output layer is scaled and shifted so
     * that the outputs of {@code calibration} spread over about [-4, 4] (both labels occur).
     */
    static Path fineTuned(Path dir, GlueTask task, long seed, List<GlueExample> calibration)
            throws IOException {
        ClassifierConfig config = ClassifierConfig.of(config(), task, 48);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            SequenceClassifier classifier = new SequenceClassifier(config).initialize(manager);
            classifier
                    .getParameters()
                    .forEach(
                            p -> {
                                if (p.getKey().endsWith("gamma")) {
                                    p.getValue().getArray().muli(3f);
                                }
                            });
            FineTunedModel.save(classifier, repoRoot().resolve("models/tokenizer.json"), dir);
        }
        Path tokenizer = Files.createTempFile("tokenizer", ".json");
        try (FineTunedModel model = FineTunedModel.load(dir)) {
            float[][] outputs = model.outputs(calibration, 16);
            double[] margins =
                    Arrays.stream(outputs)
                            .mapToDouble(o -> o.length == 1 ? o[0] : o[1] - o[0])
                            .sorted()
                            .toArray();
            double median = margins[margins.length / 2];
            float scale = (float) (8 / Math.max(1e-6, margins[margins.length - 1] - margins[0]));
            var params = model.classifier().getParameters();
            var weight =
                    params.stream()
                            .filter(p -> p.getKey().endsWith("head_out_weight"))
                            .findFirst()
                            .orElseThrow();
            var bias =
                    params.stream()
                            .filter(p -> p.getKey().endsWith("head_out_bias"))
                            .findFirst()
                            .orElseThrow();
            weight.getValue().getArray().muli(scale);
            bias.getValue().getArray().muli(scale);
            float[] shift = new float[config.numLabels()];
            shift[config.numLabels() - 1] = (float) (scale * median);
            bias.getValue().getArray().subi(bias.getValue().getArray().getManager().create(shift));
            Files.copy(
                    model.tokenizer(),
                    tokenizer,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            FineTunedModel.save(model.classifier(), tokenizer, dir);
        } finally {
            Files.deleteIfExists(tokenizer);
        }
        return dir;
    }

    /**
     * The first {@code n} dev examples of {@code task} from the GLUE samples in {@code
     * testdata/glue}.
     */
    static List<GlueExample> dev(GlueTask task, int n) throws IOException {
        Path glue = repoRoot().resolve("testdata/glue");
        List<GlueExample> dev = GlueReader.read(glue, task, GlueSplit.DEV);
        return new ArrayList<>(dev.subList(0, Math.min(n, dev.size())));
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("width " + a.length + " vs " + b.length);
        }
        float worst = 0;
        for (int j = 0; j < a.length; j++) {
            worst = Math.max(worst, Math.abs(a[j] - b[j]));
        }
        return worst;
    }
}
