package dev.amos.eval.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.ClassificationHead;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueTask;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BlockFiles;
import dev.amos.model.ModelConfig;
import dev.amos.model.Pooling;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.EncoderTorchScriptExporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a serving-ready folder from a fine-tuned GLUE classifier ({@code amos export} of an {@code
 * amos finetune} output), in DJL's model-folder convention:
 *
 * <ul>
 *   <li>{@code amos-classifier.pt}: TorchScript, {@code forward(input_ids, attention_mask) ->
 *       logits} (int64 [B,S] in, float32 [B,labels] out; STS-B: [B,1], the similarity score);
 *   <li>{@code serving.properties}: engine PyTorch and DJL's HuggingFace translator factory, {@code
 *       TextClassificationTranslatorFactory} for single-sentence tasks (SST-2, CoLA) and {@code
 *       CrossEncoderTranslatorFactory} for sentence pairs, with the truncation of {@code amos
 *       eval};
 *   <li>{@code synset.txt}: the task's labels in index order (DJL's labels-file name);
 *   <li>{@code config.json}: the HF keys DJL's translators read ({@code id2label}, {@code
 *       label2id}, {@code problem_type}) plus the amos model config, task and export description;
 *   <li>{@code tokenizer.json}: the fine-tuned model's tokenizer.
 * </ul>
 *
 * The head is the one of {@link ClassificationHead}: {@code logits = tanh(h_cls W_d + b_d) W_o +
 * b_o} (BERT's sentence-level head, <a href="https://arxiv.org/abs/1810.04805">arXiv
 * 1810.04805</a>). The folder is built beside its target and swapped in with one rename ({@link
 * OutputFolder}). See {@code docs/serving.md}.
 */
public final class ClassifierExporter {

    /** The TorchScript file name (without {@code .pt}) and DJL model name. */
    public static final String MODEL_NAME = "amos-classifier";

    /** DJL's single-text classification translator factory (softmax over the logits). */
    public static final String TEXT_CLASSIFICATION_FACTORY =
            "ai.djl.huggingface.translator.TextClassificationTranslatorFactory";

    /** DJL's sentence-pair translator factory (sigmoid of each output). */
    public static final String CROSS_ENCODER_FACTORY =
            "ai.djl.huggingface.translator.CrossEncoderTranslatorFactory";

    /** The labels file, one label per line in index order. */
    public static final String LABELS_FILE = "synset.txt";

    /** The single output name of STS-B (a regression). */
    public static final String SCORE_LABEL = "score";

    private ClassifierExporter() {}

    /** What {@link #export} wrote. */
    public record ExportedClassifier(Path dir, GlueTask task, List<String> labels, int maxLength) {

        /** The TorchScript file. */
        public Path modelFile() {
            return dir.resolve(MODEL_NAME + ".pt");
        }

        /** The DJL translator factory named in serving.properties. */
        public String translatorFactory() {
            return task.isPair() ? CROSS_ENCODER_FACTORY : TEXT_CLASSIFICATION_FACTORY;
        }
    }

    /**
     * Exports the fine-tuned classifier {@code fineTuned} to a new folder {@code outDir}.
     *
     * @param fineTuned a fine-tuned model folder or an {@code amos finetune} output (its {@code
     *     best/})
     * @param outDir the serving folder (see {@link OutputFolder#check}: new, empty, or an export to
     *     replace)
     * @param overwrite whether a previous export at {@code outDir} may be replaced
     * @throws dev.amos.model.BadInputException naming the file when the folder is not a fine-tuned
     *     model, or the output folder when it may not be written
     */
    public static ExportedClassifier export(Path fineTuned, Path outDir, boolean overwrite)
            throws IOException {
        OutputFolder.check(outDir, FolderKind.EXPORT, overwrite, "--out", fineTuned);
        try (FineTunedModel model = FineTunedModel.load(fineTuned);
                OutputFolder folder =
                        OutputFolder.staged(
                                outDir, FolderKind.EXPORT, overwrite, "--out", fineTuned)) {
            ClassifierConfig config = model.config();
            ExportedClassifier staged =
                    new ExportedClassifier(
                            folder.dir(), config.task(), labels(config.task()), config.maxLength());
            EncoderTorchScriptExporter.export(staged.modelFile(), spec(config), weights(model));
            Files.copy(model.tokenizer(), folder.dir().resolve(FineTunedModel.TOKENIZER));
            writeText(folder.dir().resolve(LABELS_FILE), String.join("\n", staged.labels()) + "\n");
            writeText(folder.dir().resolve(FineTunedModel.CONFIG), configJson(config, staged));
            writeText(
                    folder.dir().resolve(ExportedFolder.SERVING_PROPERTIES),
                    servingProperties(staged));
            folder.commit(ModelExporter.marker("torchscript", "classifier", fineTuned));
            return new ExportedClassifier(
                    outDir, config.task(), staged.labels(), config.maxLength());
        }
    }

    /** The labels in index order: the task's, or {@value #SCORE_LABEL} for STS-B. */
    public static List<String> labels(GlueTask task) {
        return task.isRegression() ? List.of(SCORE_LABEL) : task.labels();
    }

    static EncoderExportSpec spec(ClassifierConfig config) {
        ModelConfig m = config.model();
        return new EncoderExportSpec(
                m.vocabSize(),
                m.tokenEmbeddingSize(),
                m.hiddenSize(),
                m.numLayers(),
                m.numHeads(),
                m.ffnSize(),
                m.maxPositions(),
                m.relPosBuckets(),
                m.maxRelPos(),
                m.layerNormEps(),
                Pooling.CLS,
                false,
                config.numLabels());
    }

    /** Encoder tensors plus the head's, transposed to torch's (out, in) layout. */
    static Map<String, NDArray> weights(FineTunedModel model) {
        Map<String, NDArray> weights =
                new LinkedHashMap<>(model.classifier().encoder().namedTensors());
        ClassificationHead head = head(model);
        Map<String, Parameter> params = head.getDirectParameters().toMap();
        weights.put("classifier.dense.weight", params.get("dense_weight").getArray().transpose());
        weights.put("classifier.dense.bias", params.get("dense_bias").getArray());
        weights.put("classifier.out.weight", params.get("out_weight").getArray().transpose());
        weights.put("classifier.out.bias", params.get("out_bias").getArray());
        return weights;
    }

    private static ClassificationHead head(FineTunedModel model) {
        for (Block child : model.classifier().getChildren().values()) {
            if (child instanceof ClassificationHead head) {
                return head;
            }
        }
        throw new IllegalStateException("the classifier has no classification head");
    }

    /**
     * serving.properties: read by DJL Criteria (with a DeferredTranslatorFactory) and DJL Serving.
     */
    static String servingProperties(ExportedClassifier exported) {
        return "# DJL model folder written by 'amos export' from a fine-tuned "
                + exported.task()
                + " classifier;"
                + " see docs/serving.md\n"
                + "engine=PyTorch\n"
                + "option.modelName="
                + MODEL_NAME
                + "\n"
                + "translatorFactory="
                + exported.translatorFactory()
                + "\n"
                + "truncation=true\n"
                + "padding=true\n"
                + "maxLength="
                + exported.maxLength()
                + "\n"
                + "includeTokenTypes=false\n"
                + "batchifier=stack\n";
    }

    /**
     * The HF keys that classification consumers read: {@code problem_type}, {@code id2label},
     * {@code label2id}.
     */
    static JsonObject labelsJson(ClassifierConfig config) {
        List<String> labels = labels(config.task());
        JsonObject id2label = new JsonObject();
        JsonObject label2id = new JsonObject();
        for (int i = 0; i < labels.size(); i++) {
            id2label.addProperty(String.valueOf(i), labels.get(i));
            label2id.addProperty(labels.get(i), i);
        }
        JsonObject json = new JsonObject();
        json.addProperty(
                "problem_type",
                config.task().isRegression() ? "regression" : "single_label_classification");
        json.add("id2label", id2label);
        json.add("label2id", label2id);
        return json;
    }

    private static String configJson(ClassifierConfig config, ExportedClassifier exported) {
        JsonObject export = new JsonObject();
        export.addProperty("format", "torchscript");
        export.addProperty("file", exported.modelFile().getFileName().toString());
        export.addProperty(
                "inputs", "input_ids int64 [batch, seq], attention_mask int64 [batch, seq]");
        export.addProperty(
                "outputs",
                config.task().isRegression()
                        ? "score float32 [batch, 1]"
                        : "logits float32 [batch, " + config.numLabels() + "]");
        export.addProperty(
                "input_layout",
                config.task().isPair()
                        ? "[CLS] a [SEP] b [SEP], longest-first truncation"
                        : "[CLS] text [SEP]");
        export.addProperty("max_length", exported.maxLength());
        JsonObject json = labelsJson(config);
        JsonObject amos = config.toJson();
        amos.entrySet().forEach(e -> json.add(e.getKey(), e.getValue()));
        json.add("export", export);
        return new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
    }

    private static void writeText(Path file, String text) throws IOException {
        BlockFiles.writeAtomically(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
