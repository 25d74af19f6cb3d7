package dev.amos.eval.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.eval.finetune.ClassifierConfig;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.AmosPieceRules;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.model.Pooling;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.onnx.EncoderOnnxExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes an ONNX folder ({@code amos export --format onnx}) from a pretraining run, its {@code
 * discriminator/}, an {@code amos import} output or a fine-tuned classifier: {@value #MODEL_FILE}
 * ({@link EncoderOnnxExporter}: int64 {@code input_ids} and {@code attention_mask} [batch,
 * sequence] in; {@code last_hidden_state} [batch, sequence, hidden] and {@code sentence_embedding}
 * [batch, hidden] out, or {@code logits} [batch, labels] for a classifier), {@code tokenizer.json}
 * and {@code config.json} (the pooling, normalisation and truncation of {@code amos embed}, so that
 * a consumer such as LangChain4j's {@code OnnxEmbeddingModel} can be configured to match). The
 * folder is built beside its target and swapped in with one rename ({@link OutputFolder}). It loads
 * with no amos code in ONNX Runtime (Java, Python) and the libraries built on it; see {@code
 * docs/serving.md}.
 */
public final class OnnxExporter {

    /** The ONNX model's file name. */
    public static final String MODEL_FILE = "model.onnx";

    /** The tokenizer's file name. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** The config's file name. */
    public static final String CONFIG_FILE = "config.json";

    private OnnxExporter() {}

    /**
     * What an export wrote.
     *
     * @param dir the folder
     * @param outputs the graph outputs, described for people
     * @param maxLength tokens per text that {@code amos embed} / {@code amos eval} keep
     */
    public record OnnxFolder(Path dir, String outputs, int maxLength) {

        /** The ONNX model file. */
        public Path modelFile() {
            return dir.resolve(MODEL_FILE);
        }
    }

    /**
     * Exports the encoder of a pretraining run or an {@code amos import} output.
     *
     * @param runOrDiscriminator a run folder, its {@code discriminator/}, or an import output
     * @param outDir the folder (see {@link OutputFolder#check}: new, empty, or an export to
     *     replace)
     * @param pooling pooling of the {@code sentence_embedding} output (and named in config.json)
     * @param normalize whether {@code sentence_embedding} is L2-normalised
     * @param maxLength tokens per text recorded in config.json (3 to the model's positions), or 0
     *     for min(512, positions)
     * @param tokenTypeIds declare an (ignored) {@code token_type_ids} input for consumers that
     *     always send one
     * @param overwrite whether a previous export at {@code outDir} may be replaced
     * @throws dev.amos.model.BadInputException naming the folder when it is not an encoder folder,
     *     or the output folder when it may not be written
     */
    public static OnnxFolder exportEncoder(
            Path runOrDiscriminator,
            Path outDir,
            Pooling pooling,
            boolean normalize,
            int maxLength,
            boolean tokenTypeIds,
            boolean overwrite)
            throws IOException {
        EncoderFolder run = EncoderFolder.open(runOrDiscriminator);
        int length = run.maxLength(maxLength, "--max-len");
        ModelConfig model = run.model();
        EncoderExportSpec spec = ModelExporter.spec(model, pooling, normalize);
        String outputs =
                EncoderOnnxExporter.LAST_HIDDEN_STATE
                        + " float32 [batch, sequence, "
                        + model.hiddenSize()
                        + "], "
                        + EncoderOnnxExporter.SENTENCE_EMBEDDING
                        + " float32 [batch, "
                        + model.hiddenSize()
                        + "]";
        OutputFolder.check(outDir, FolderKind.EXPORT, overwrite, "--out", runOrDiscriminator);
        try (OutputFolder out =
                        OutputFolder.staged(
                                outDir, FolderKind.EXPORT, overwrite, "--out", runOrDiscriminator);
                NDManager manager =
                        NDManager.newBaseManager(
                                Device.cpu())) { // the model is written from host memory
            OnnxFolder staged = new OnnxFolder(out.dir(), outputs, length);
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, run.params());
            writeModel(staged, spec, encoder.namedTensors(), tokenTypeIds);
            Files.copy(run.tokenizer(), out.dir().resolve(TOKENIZER_FILE));
            JsonObject export = exportJson(staged, tokenTypeIds, run.tokenizer());
            export.addProperty("pooling", pooling.externalName());
            export.addProperty("normalize", normalize);
            export.addProperty("hidden_size", model.hiddenSize());
            JsonObject json = new JsonObject();
            json.add("model", model.toJson());
            json.addProperty("objective", run.objective());
            json.add("export", export);
            writeJson(out.dir().resolve(CONFIG_FILE), json);
            out.commit(ModelExporter.marker("onnx", "encoder", runOrDiscriminator));
        }
        return new OnnxFolder(outDir, outputs, length);
    }

    /**
     * Exports a fine-tuned classifier ({@code logits} = the outputs of {@code amos eval}).
     *
     * @param fineTuned a fine-tuned model folder or an {@code amos finetune} output (its {@code
     *     best/})
     * @param outDir the folder (see {@link OutputFolder#check}: new, empty, or an export to
     *     replace)
     * @param tokenTypeIds declare an (ignored) {@code token_type_ids} input
     * @param overwrite whether a previous export at {@code outDir} may be replaced
     * @throws dev.amos.model.BadInputException naming the file when the folder is not a fine-tuned
     *     model, or the output folder when it may not be written
     */
    public static OnnxFolder exportClassifier(
            Path fineTuned, Path outDir, boolean tokenTypeIds, boolean overwrite)
            throws IOException {
        OutputFolder.check(outDir, FolderKind.EXPORT, overwrite, "--out", fineTuned);
        try (FineTunedModel model = FineTunedModel.load(fineTuned);
                OutputFolder out =
                        OutputFolder.staged(
                                outDir, FolderKind.EXPORT, overwrite, "--out", fineTuned)) {
            ClassifierConfig config = model.config();
            String outputs =
                    EncoderOnnxExporter.LOGITS + " float32 [batch, " + config.numLabels() + "]";
            OnnxFolder staged = new OnnxFolder(out.dir(), outputs, config.maxLength());
            writeModel(
                    staged,
                    ClassifierExporter.spec(config),
                    ClassifierExporter.weights(model),
                    tokenTypeIds);
            Files.copy(model.tokenizer(), out.dir().resolve(TOKENIZER_FILE));
            JsonObject json = ClassifierExporter.labelsJson(config);
            JsonObject export = exportJson(staged, tokenTypeIds, model.tokenizer());
            export.addProperty(
                    "input_layout",
                    config.task().isPair()
                            ? "[CLS] a [SEP] b [SEP], longest-first truncation"
                            : "[CLS] text [SEP]");
            config.toJson().entrySet().forEach(e -> json.add(e.getKey(), e.getValue()));
            json.add("export", export);
            writeJson(out.dir().resolve(CONFIG_FILE), json);
            out.commit(ModelExporter.marker("onnx", "classifier", fineTuned));
            return new OnnxFolder(outDir, outputs, config.maxLength());
        }
    }

    private static void writeModel(
            OnnxFolder folder,
            EncoderExportSpec spec,
            Map<String, NDArray> weights,
            boolean tokenTypeIds)
            throws IOException {
        Map<String, String> metadata =
                Map.of(
                        "producer",
                        "amos export --format onnx",
                        "max_length",
                        String.valueOf(folder.maxLength()));
        try (OutputStream out = Files.newOutputStream(folder.modelFile())) {
            EncoderOnnxExporter.write(out, spec, weights, tokenTypeIds, metadata);
        }
    }

    private static JsonObject exportJson(OnnxFolder folder, boolean tokenTypeIds, Path tokenizer) {
        JsonObject export = new JsonObject();
        export.addProperty("format", "onnx");
        export.addProperty("file", MODEL_FILE);
        export.addProperty("opset", EncoderOnnxExporter.OPSET);
        List<String> inputs =
                tokenTypeIds
                        ? List.of(
                                "input_ids int64 [batch, sequence]",
                                "attention_mask int64 [batch, sequence]",
                                "token_type_ids int64 [batch, sequence] (ignored)")
                        : List.of(
                                "input_ids int64 [batch, sequence]",
                                "attention_mask int64 [batch, sequence]");
        export.addProperty("inputs", String.join(", ", inputs));
        export.addProperty("outputs", folder.outputs());
        export.addProperty("max_length", folder.maxLength());
        export.addProperty("tokenizer", TOKENIZER_FILE);
        if (AmosPieceRules.of(tokenizer).isPresent()) {
            export.addProperty(
                    "tokenizer_note",
                    "imported SentencePiece model: amos applies two steps of the released "
                            + "tokenizer after tokenizer.json (AmosPieceRules); tokenizer.json alone differs on a few texts, "
                            + "see docs/serving.md");
        }
        return export;
    }

    private static void writeJson(Path file, JsonObject json) throws IOException {
        Files.writeString(
                file,
                new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n",
                StandardCharsets.UTF_8);
    }
}
