package dev.amos.eval.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.EncoderExportSpec.Pooling;
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
 * embed}), {@code tokenizer.json} and {@code config.json}. Every file is written atomically. See
 * {@code docs/serving.md} for loading it in DJL, DJL Serving, Python and TorchServe.
 */
public final class ModelExporter {

    /** The TorchScript file name (without {@code .pt}) and DJL model name. */
    public static final String MODEL_NAME = "amos-encoder";
    /** DJL's text-embedding translator factory (ai.djl.huggingface:tokenizers). */
    public static final String TRANSLATOR_FACTORY = "ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory";

    private ModelExporter() {}

    /**
     * Exports the discriminator of {@code runOrDiscriminator} to {@code outDir} as TorchScript.
     *
     * @param runOrDiscriminator a run folder or its {@code discriminator/}
     * @param outDir the serving folder (created; files of a previous export are replaced)
     * @param pooling pooling of the second output and of the DJL translator
     * @param normalize L2-normalise the pooled vector
     * @return the folder as {@link TextEmbedder#load} reads it
     * @throws dev.amos.model.BadInputException if the input is not a pretraining run
     */
    public static ExportedFolder exportTorchScript(Path runOrDiscriminator, Path outDir, Pooling pooling,
            boolean normalize) throws IOException {
        return exportTorchScript(runOrDiscriminator, outDir, pooling, normalize, 0);
    }

    /**
     * Exports as {@link #exportTorchScript(Path, Path, Pooling, boolean)}, recording {@code maxLength}
     * (tokens per text) in serving.properties and config.json.
     *
     * @param maxLength 3 to the model's positions, or 0 for min(512, positions)
     * @throws dev.amos.model.BadInputException if the input is not a pretraining run or the length is out of range
     */
    public static ExportedFolder exportTorchScript(Path runOrDiscriminator, Path outDir, Pooling pooling,
            boolean normalize, int maxLength) throws IOException {
        DiscriminatorFolder run = DiscriminatorFolder.open(runOrDiscriminator);
        ModelConfig model = run.model();
        EncoderExportSpec spec = spec(model, pooling, normalize);
        ExportedFolder folder = new ExportedFolder(outDir, MODEL_NAME, pooling, normalize,
                run.maxLength(maxLength, "--max-len"));
        Files.createDirectories(outDir);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) { // the archive is written from host memory
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, run.params());
            EncoderTorchScriptExporter.export(folder.modelFile(), spec, encoder.namedTensors());
        }
        byte[] tokenizer = Files.readAllBytes(run.tokenizer());
        BlockFiles.writeAtomically(outDir.resolve("tokenizer.json"), out -> out.write(tokenizer));
        writeText(outDir.resolve("config.json"), configJson(run, folder));
        writeText(outDir.resolve(ExportedFolder.SERVING_PROPERTIES), servingProperties(folder));
        return folder;
    }

    /** The export spec of a model's discriminator (no classifier head). */
    public static EncoderExportSpec spec(ModelConfig model, Pooling pooling, boolean normalize) {
        return new EncoderExportSpec(model.vocabSize(), model.tokenEmbeddingSize(), model.hiddenSize(), model.numLayers(),
                model.numHeads(), model.ffnSize(), model.maxPositions(), model.relPosBuckets(), model.maxRelPos(),
                model.layerNormEps(), pooling, normalize, 0);
    }

    /** serving.properties: read by DJL Criteria (with a DeferredTranslatorFactory) and DJL Serving. */
    static String servingProperties(ExportedFolder folder) {
        return "# DJL model folder written by 'amos export'; see docs/serving.md\n"
                + "engine=PyTorch\n"
                + "option.modelName=" + folder.modelName() + "\n"
                + "translatorFactory=" + TRANSLATOR_FACTORY + "\n"
                + "pooling=" + folder.pooling().externalName() + "\n"
                + "normalize=" + folder.normalize() + "\n"
                + "truncation=true\n"
                + "maxLength=" + folder.maxLength() + "\n"
                + "includeTokenTypes=false\n";
    }

    private static String configJson(DiscriminatorFolder run, ExportedFolder folder) {
        JsonObject export = new JsonObject();
        export.addProperty("format", "torchscript");
        export.addProperty("file", folder.modelFile().getFileName().toString());
        export.addProperty("inputs", "input_ids int64 [batch, seq], attention_mask int64 [batch, seq]");
        export.addProperty("outputs", "last_hidden float32 [batch, seq, hidden], pooled float32 [batch, hidden]");
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
