package dev.amos.eval.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.model.Pooling;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.EncoderTorchScriptExporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a serving-ready folder from a pretraining run ({@code amos export}), in DJL's model-folder
 * convention: {@code amos-encoder.pt} (TorchScript, {@code forward(input_ids, attention_mask) ->
 * (last_hidden, pooled)}), {@code serving.properties} (engine PyTorch, DJL's {@code
 * TextEmbeddingTranslatorFactory} with the pooling, normalisation and truncation of {@code amos
 * embed}), {@code tokenizer.json} and {@code config.json}, built beside the target and swapped in
 * with one rename ({@link OutputFolder}). See {@code docs/serving.md} for loading it in DJL, DJL
 * Serving, Python and TorchServe.
 */
public final class ModelExporter {

    /** The TorchScript file name (without {@code .pt}) and DJL model name. */
    public static final String MODEL_NAME = "amos-encoder";

    /** DJL's text-embedding translator factory (ai.djl.huggingface:tokenizers). */
    public static final String TRANSLATOR_FACTORY =
            "ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory";

    private ModelExporter() {}

    /**
     * Exports the encoder of {@code runOrDiscriminator} to a new folder {@code outDir} as
     * TorchScript.
     *
     * @param runOrDiscriminator a run folder, its {@code discriminator/} or an {@code amos import}
     *     folder
     * @param outDir the serving folder (see {@link OutputFolder#check}: new, empty, or an export to
     *     replace)
     * @param pooling pooling of the second output and of the DJL translator
     * @param normalize L2-normalise the pooled vector
     * @param overwrite whether a previous export at {@code outDir} may be replaced
     * @return the folder as {@link TextEmbedder#load} reads it
     * @throws dev.amos.model.BadInputException if the input is not an encoder, or the output folder
     *     may not be written
     */
    public static ExportedFolder exportTorchScript(
            Path runOrDiscriminator,
            Path outDir,
            Pooling pooling,
            boolean normalize,
            boolean overwrite)
            throws IOException {
        return exportTorchScript(runOrDiscriminator, outDir, pooling, normalize, 0, overwrite);
    }

    /**
     * Exports as {@link #exportTorchScript(Path, Path, Pooling, boolean, boolean)}, recording
     * {@code maxLength} (tokens per text) in serving.properties and config.json.
     *
     * @param maxLength 3 to the model's positions, or 0 for min(512, positions)
     * @throws dev.amos.model.BadInputException if the input is not an encoder, the length is out of
     *     range, or the output folder may not be written
     */
    public static ExportedFolder exportTorchScript(
            Path runOrDiscriminator,
            Path outDir,
            Pooling pooling,
            boolean normalize,
            int maxLength,
            boolean overwrite)
            throws IOException {
        EncoderFolder run = EncoderFolder.open(runOrDiscriminator);
        int length = run.maxLength(maxLength, "--max-len");
        ModelConfig model = run.model();
        EncoderExportSpec spec = spec(model, pooling, normalize);
        OutputFolder.check(outDir, FolderKind.EXPORT, overwrite, "--out", runOrDiscriminator);
        try (OutputFolder out =
                        OutputFolder.staged(
                                outDir, FolderKind.EXPORT, overwrite, "--out", runOrDiscriminator);
                NDManager manager =
                        NDManager.newBaseManager(
                                Device.cpu())) { // the archive is written from host memory
            ExportedFolder staged =
                    new ExportedFolder(out.dir(), MODEL_NAME, pooling, normalize, length);
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, run.params());
            EncoderTorchScriptExporter.export(staged.modelFile(), spec, encoder.namedTensors());
            Files.copy(run.tokenizer(), out.dir().resolve("tokenizer.json"));
            writeText(out.dir().resolve("config.json"), configJson(run, staged));
            writeText(
                    out.dir().resolve(ExportedFolder.SERVING_PROPERTIES),
                    servingProperties(staged));
            out.commit(marker("torchscript", "encoder", runOrDiscriminator));
        }
        return new ExportedFolder(outDir, MODEL_NAME, pooling, normalize, length);
    }

    /**
     * The marker fields of an export folder: {@code format} ({@code torchscript}, {@code onnx},
     * {@code hf}), {@code content} ({@code encoder} or {@code classifier}) and the folder exported.
     */
    public static JsonObject marker(String format, String content, Path source) {
        JsonObject fields = new JsonObject();
        fields.addProperty("format", format);
        fields.addProperty("content", content);
        fields.addProperty("source", source.toAbsolutePath().normalize().toString());
        return fields;
    }

    /** The export spec of a model's discriminator (no classifier head). */
    public static EncoderExportSpec spec(ModelConfig model, Pooling pooling, boolean normalize) {
        return new EncoderExportSpec(
                model.vocabSize(),
                model.tokenEmbeddingSize(),
                model.hiddenSize(),
                model.numLayers(),
                model.numHeads(),
                model.ffnSize(),
                model.maxPositions(),
                model.relPosBuckets(),
                model.maxRelPos(),
                model.layerNormEps(),
                pooling,
                normalize,
                0);
    }

    /**
     * serving.properties: read by DJL Criteria (with a DeferredTranslatorFactory) and DJL Serving.
     */
    static String servingProperties(ExportedFolder folder) {
        return "# DJL model folder written by 'amos export'; see docs/serving.md\n"
                + "engine=PyTorch\n"
                + "option.modelName="
                + folder.modelName()
                + "\n"
                + "translatorFactory="
                + TRANSLATOR_FACTORY
                + "\n"
                + "pooling="
                + folder.pooling().externalName()
                + "\n"
                + "normalize="
                + folder.normalize()
                + "\n"
                + "truncation=true\n"
                + "maxLength="
                + folder.maxLength()
                + "\n"
                + "includeTokenTypes=false\n";
    }

    private static String configJson(EncoderFolder run, ExportedFolder folder) {
        JsonObject export = new JsonObject();
        export.addProperty("format", "torchscript");
        export.addProperty("file", folder.modelFile().getFileName().toString());
        export.addProperty(
                "inputs", "input_ids int64 [batch, seq], attention_mask int64 [batch, seq]");
        export.addProperty(
                "outputs",
                "last_hidden float32 [batch, seq, hidden], pooled float32 [batch, hidden]");
        export.addProperty("pooling", folder.pooling().externalName());
        export.addProperty("normalize", folder.normalize());
        export.addProperty("max_length", folder.maxLength());
        export.addProperty("hidden_size", run.model().hiddenSize());
        JsonObject json = new JsonObject();
        json.add("model", run.model().toJson());
        json.addProperty("objective", run.objective());
        json.add("export", export);
        return new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n";
    }

    private static void writeText(Path file, String text) throws IOException {
        BlockFiles.writeAtomically(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
