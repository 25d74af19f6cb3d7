package dev.amos.eval.serve;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.finetune.SequenceClassifier;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

/**
 * A fake fine-tuned model folder ({@link FineTunedModel#save}): the tiny random encoder of {@link
 * TinyRun} with a random head, its weights scaled so that different texts get clearly different
 * outputs (and both labels occur).
 */
final class TinyClassifier {

    private TinyClassifier() {}

    /**
     * Writes a fine-tuned {@code task} classifier (max length 48) to {@code dir}; returns {@code
     * dir}.
     */
    static Path create(Path dir, GlueTask task, long seed) throws IOException {
        ClassifierConfig config = ClassifierConfig.of(TinyRun.config(), task, 48);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            SequenceClassifier classifier = new SequenceClassifier(config).initialize(manager);
            classifier
                    .getParameters()
                    .forEach(
                            pair -> {
                                String name = pair.getKey();
                                if (name.endsWith("ln.weight")
                                        || name.endsWith("ln2.weight")
                                        || name.endsWith("gamma")) {
                                    pair.getValue().getArray().muli(3f);
                                } else if (name.contains("head")) {
                                    pair.getValue().getArray().muli(20f);
                                }
                            });
            FineTunedModel.save(
                    classifier, TinyRun.repoRoot().resolve("models/tokenizer.json"), dir);
        }
        return dir;
    }

    /**
     * Rescales and shifts the output layer so that the margins {@code logit1 - logit0} of {@code
     * examples} spread over about [-4, 4] around 0 (a random head gives every text nearly the same
     * margin), then saves the folder again.
     */
    static Path balance(Path dir, List<GlueExample> examples) throws IOException {
        Path tokenizer = Files.createTempFile("tokenizer", ".json");
        try (FineTunedModel model = FineTunedModel.load(dir)) {
            float[][] outputs = model.outputs(examples, 16);
            double[] margins =
                    Arrays.stream(outputs).mapToDouble(o -> o[1] - o[0]).sorted().toArray();
            double median = margins[margins.length / 2];
            float scale = (float) (8 / Math.max(1e-6, margins[margins.length - 1] - margins[0]));
            Parameter outWeight = parameter(model, "head_out_weight");
            Parameter outBias = parameter(model, "head_out_bias");
            outWeight.getArray().muli(scale);
            outBias.getArray().muli(scale);
            outBias.getArray()
                    .subi(
                            outBias.getArray()
                                    .getManager()
                                    .create(new float[] {0f, (float) (scale * median)}));
            Files.copy(model.tokenizer(), tokenizer, StandardCopyOption.REPLACE_EXISTING);
            FineTunedModel.save(model.classifier(), tokenizer, dir);
        } finally {
            Files.deleteIfExists(tokenizer);
        }
        return dir;
    }

    private static Parameter parameter(FineTunedModel model, String suffix) {
        return model.classifier().getParameters().stream()
                .filter(p -> p.getKey().endsWith(suffix))
                .findFirst()
                .orElseThrow()
                .getValue();
    }
}
