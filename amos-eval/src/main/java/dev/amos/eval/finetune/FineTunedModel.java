package dev.amos.eval.finetune;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.glue.GlueDataset;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueMetrics;
import dev.amos.eval.glue.GluePairEncoder;
import dev.amos.eval.glue.GlueScore;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.AtomicFiles;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A fine-tuned model folder: {@code classifier.params} (DJL parameters of a {@link
 * SequenceClassifier}), {@code config.json} ({@link ClassifierConfig}) and {@code tokenizer.json}.
 * Also the prediction code shared by training-time evaluation and {@code amos eval}.
 */
public final class FineTunedModel implements AutoCloseable {

    public static final String PARAMS = "classifier.params";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";

    private final Model model;
    private final SequenceClassifier classifier;
    private final Path tokenizer;

    private FineTunedModel(Model model, SequenceClassifier classifier, Path tokenizer) {
        this.model = model;
        this.classifier = classifier;
        this.tokenizer = tokenizer;
    }

    /**
     * Writes {@code classifier} as a fine-tuned model folder {@code dir} ({@link
     * FolderKind#CLASSIFIER}), replacing an existing one only once the new one is complete (written
     * beside it, then renamed).
     */
    public static void save(SequenceClassifier classifier, Path tokenizerJson, Path dir)
            throws IOException {
        Files.createDirectories(dir.toAbsolutePath().getParent());
        String json =
                new GsonBuilder().setPrettyPrinting().create().toJson(classifier.config().toJson())
                        + "\n";
        OutputFolder.writeInside(
                dir,
                FolderKind.CLASSIFIER,
                null,
                staging -> {
                    BlockFiles.save(classifier, staging.resolve(PARAMS));
                    Files.writeString(staging.resolve(CONFIG), json, StandardCharsets.UTF_8);
                    Files.copy(tokenizerJson, staging.resolve(TOKENIZER));
                });
    }

    /**
     * Loads a fine-tuned model folder: {@code dir} itself, or {@code dir/best} (the output folder
     * of {@code amos finetune}).
     *
     * @throws BadInputException if the folder or its files are missing or malformed
     */
    public static FineTunedModel load(Path dir) throws IOException {
        return load(dir, Engine.getInstance().defaultDevice());
    }

    /** {@link #load(Path)} onto {@code device}. */
    public static FineTunedModel load(Path dir, Device device) throws IOException {
        Path folder = Files.isRegularFile(dir.resolve(PARAMS)) ? dir : dir.resolve("best");
        for (String name : new String[] {PARAMS, CONFIG, TOKENIZER}) {
            if (!Files.isRegularFile(folder.resolve(name))) {
                throw BadInputException.of(
                        folder.resolve(name),
                        "no such file (expected a fine-tuned model folder"
                                + " written by 'amos finetune': OUT/best or OUT/seed-N/best)");
            }
        }
        Path configFile = folder.resolve(CONFIG);
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw BadInputException.of(configFile, "not a JSON object: " + e.getMessage());
        }
        ClassifierConfig config = ClassifierConfig.fromJson(json, configFile);
        Model model = Model.newInstance("amos-classifier", device);
        try {
            SequenceClassifier classifier = new SequenceClassifier(config);
            model.setBlock(classifier);
            classifier.initialize(model.getNDManager());
            BlockFiles.load(classifier, model.getNDManager(), folder.resolve(PARAMS));
            return new FineTunedModel(model, classifier, folder.resolve(TOKENIZER));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public ClassifierConfig config() {
        return classifier.config();
    }

    public SequenceClassifier classifier() {
        return classifier;
    }

    public Path tokenizer() {
        return tokenizer;
    }

    /** The raw outputs (N, K) of {@code examples}, in order. */
    public float[][] outputs(List<GlueExample> examples, int batchSize) throws IOException {
        try (GluePairEncoder encoder = GluePairEncoder.load(tokenizer, config().maxLength())) {
            GlueDataset dataset =
                    GlueDataset.builder()
                            .setExamples(config().task(), examples)
                            .setEncoder(encoder)
                            .setSampling(batchSize, false)
                            .build();
            return outputs(classifier, dataset, model.getNDManager());
        }
    }

    /**
     * Runs {@code classifier} (inference mode) over {@code dataset} in record order and returns its
     * outputs (N, K) on the host.
     */
    public static float[][] outputs(
            SequenceClassifier classifier, GlueDataset dataset, NDManager parent)
            throws IOException {
        int k = classifier.config().numLabels();
        float[][] out = new float[Math.toIntExact(dataset.size())][];
        int row = 0;
        try (NDManager manager = parent.newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            for (Batch batch : dataset.getData(manager)) {
                try (batch;
                        NDScope scope = new NDScope()) {
                    NDList data = batch.getData();
                    NDArray result = classifier.forward(ps, data.get(0), data.get(1), false);
                    float[] flat = result.toFloatArray();
                    for (int i = 0; i < flat.length / k; i++) {
                        float[] r = new float[k];
                        System.arraycopy(flat, i * k, r, 0, k);
                        out[row++] = r;
                    }
                }
            }
        } catch (TranslateException e) {
            throw new IOException(e);
        }
        return out;
    }

    /** Predicted label indices (argmax) of classification outputs. */
    public static int[] labels(float[][] outputs) {
        int[] labels = new int[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            int best = 0;
            for (int j = 1; j < outputs[i].length; j++) {
                if (outputs[i][j] > outputs[i][best]) {
                    best = j;
                }
            }
            labels[i] = best;
        }
        return labels;
    }

    /** Class probabilities of one row of classification logits: softmax, in double, max-shifted. */
    public static float[] probabilities(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    /** Predicted scores (column 0) of regression outputs. */
    public static double[] scores(float[][] outputs) {
        double[] scores = new double[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            scores[i] = outputs[i][0];
        }
        return scores;
    }

    /** Scores outputs against the gold labels (or STS-B scores) of {@code examples}. */
    public static GlueScore score(
            GlueTask task, GlueSplit split, float[][] outputs, List<GlueExample> examples) {
        return task.isRegression()
                ? GlueMetrics.score(task, split, scores(outputs), GlueMetrics.scores(examples))
                : GlueMetrics.score(task, split, labels(outputs), GlueMetrics.labels(examples));
    }

    @Override
    public void close() {
        model.close();
    }

    static void deleteTree(Path dir) throws IOException {
        AtomicFiles.deleteTree(dir);
    }
}
