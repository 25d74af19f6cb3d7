package dev.amos.eval.finetune;

import com.google.gson.JsonObject;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.model.ModelConfig;
import java.nio.file.Path;

/**
 * What a fine-tuned model is: the pretrained encoder's model config, the GLUE task and its output
 * count, and the token budget it was trained with. Stored as the {@code config.json} of a
 * fine-tuned model folder ({@link FineTunedModel}).
 *
 * @param model the encoder's model config (its discriminator is the encoder)
 * @param task the GLUE task
 * @param numLabels outputs of the head: the task's label count, 1 for STS-B
 * @param maxLength token budget per example ([CLS] and [SEP]s included)
 */
public record ClassifierConfig(ModelConfig model, GlueTask task, int numLabels, int maxLength) {

    /** The config of a classifier for {@code task} on top of {@code model}. */
    public static ClassifierConfig of(ModelConfig model, GlueTask task, int maxLength) {
        return new ClassifierConfig(model, task, task.outputSize(), maxLength);
    }

    /**
     * The JSON form: {@code {"model": {...}, "task": "RTE", "num_labels": 2, "max_length": 128}}.
     */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.add("model", model.toJson());
        json.addProperty("task", task.officialName());
        json.addProperty("num_labels", numLabels);
        json.addProperty("max_length", maxLength);
        return json;
    }

    /** Parses {@link #toJson()}; {@code file} names the source in errors. */
    public static ClassifierConfig fromJson(JsonObject json, Path file) {
        for (String key : new String[] {"model", "task", "num_labels", "max_length"}) {
            if (!json.has(key)) {
                throw BadInputException.of(
                        file, "missing \"" + key + "\" (expected a fine-tuned model config.json)");
            }
        }
        ModelConfig model = ModelConfig.fromJson(json.getAsJsonObject("model"), file.toString());
        GlueTask task = GlueTask.parse(json.get("task").getAsString());
        int numLabels = json.get("num_labels").getAsInt();
        if (numLabels != task.outputSize()) {
            throw BadInputException.of(
                    file,
                    "num_labels "
                            + numLabels
                            + " does not match task "
                            + task
                            + " (expected "
                            + task.outputSize()
                            + ")");
        }
        return new ClassifierConfig(model, task, numLabels, json.get("max_length").getAsInt());
    }
}
