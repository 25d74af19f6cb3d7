package dev.amos.importer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.serve.ModelExporter;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.model.export.SafetensorsWriter;
import dev.amos.model.export.ScriptTensor;
import dev.amos.model.export.TorchStateDictWriter;
import dev.amos.train.RunFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code amos export --format hf}: an encoder folder (a pretraining run, its {@code
 * discriminator/}, or an {@code amos import}) in the layout of Microsoft's released Hugging Face
 * repos, which {@code AMOSModel} of microsoft/AMOS ({@code huggingface/amos/modeling_amos.py})
 * loads and {@link ReleasedModelImporter} reads back to the same encoder weights bit for bit:
 *
 * <ul>
 *   <li>{@code config.json}: the keys of the released configs ({@code AMOSConfig}), plus {@code
 *       amos_export} (what amos recorded: source, tokenizer, max length);
 *   <li>{@code pytorch_model.bin} (a {@code torch.save} zip, what {@code from_pretrained} loads) or
 *       {@code model.safetensors}: the encoder's state dict under the released key names ({@link
 *       KeyMap}) and prefix ({@code amos.} for runs, the import's own for imports), float32, the
 *       word embedding cut to {@code vocab_size} rows (an import's alias rows are rebuilt by the
 *       import);
 *   <li>the tokenizer: an import's {@code sp.model} and {@code dict.txt} as they were imported; a
 *       WordPiece run's {@code tokenizer.json}, its {@code vocab.txt} and a {@code
 *       tokenizer_config.json} for transformers' {@code BertTokenizer}.
 * </ul>
 */
public final class HfExporter {

    /** The weight file formats. */
    public enum Weights {
        /**
         * {@code pytorch_model.bin}, a torch.save zip: what the released code's {@code
         * from_pretrained} loads.
         */
        BIN("pytorch_model.bin"),
        /** {@code model.safetensors}. */
        SAFETENSORS("model.safetensors");

        private final String fileName;

        Weights(String fileName) {
            this.fileName = fileName;
        }

        /** The file written. */
        public String fileName() {
            return fileName;
        }

        /** {@code bin} or {@code safetensors}. */
        public static Weights fromName(String name) {
            for (Weights w : values()) {
                if (w.name().equalsIgnoreCase(name)) {
                    return w;
                }
            }
            throw new BadInputException(
                    "--weights: expected bin or safetensors, got \"" + name + "\"");
        }
    }

    /** The {@code format} of the export folder's marker. */
    public static final String FORMAT = "hf";

    /** The files written besides the weights and config.json. */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    /**
     * What an export holds.
     *
     * @param modelType {@code amos} or {@code cocolm}
     * @param keyPrefix the state-dict key prefix
     * @param vocabSize the rows of the written word embedding
     * @param tokenizer {@code sentencepiece} or {@code wordpiece}
     * @param maxLength tokens per text recorded in config.json
     * @param files the files written, in order
     */
    public record Exported(
            String modelType,
            String keyPrefix,
            int vocabSize,
            String tokenizer,
            int maxLength,
            List<String> files) {}

    /**
     * An encoder folder checked for the released layout: everything {@link #writeInto} needs, read
     * before any weight.
     */
    public static final class Source {
        private final EncoderFolder folder;
        private final String modelType;
        private final String keyPrefix;
        private final int vocabSize;
        private final int padId;
        private final String tokenizer;
        private final int maxLength;

        private Source(
                EncoderFolder folder,
                String modelType,
                String keyPrefix,
                int vocabSize,
                int padId,
                String tokenizer,
                int maxLength) {
            this.folder = folder;
            this.modelType = modelType;
            this.keyPrefix = keyPrefix;
            this.vocabSize = vocabSize;
            this.padId = padId;
            this.tokenizer = tokenizer;
            this.maxLength = maxLength;
        }

        /** The encoder folder read. */
        public EncoderFolder folder() {
            return folder;
        }
    }

    private HfExporter() {}

    /**
     * Opens and checks {@code model} (a run, its {@code discriminator/} or an import).
     *
     * @param maxLength tokens per text to record, 0 for the default (min(512, positions))
     * @throws BadInputException naming the folder (file, key) when it cannot be written in the
     *     released layout
     */
    public static Source open(Path model, int maxLength) {
        EncoderFolder folder = EncoderFolder.open(model);
        ModelConfig m = folder.model();
        int length = folder.maxLength(maxLength, "--max-len");
        if (m.tokenEmbeddingSize() != m.hiddenSize()) {
            throw BadInputException.of(
                    folder.configFile(),
                    "\"embedding_size\" is "
                            + m.embeddingSize()
                            + ": the released AMOSModel has token embeddings as wide as hidden_size "
                            + m.hiddenSize()
                            + " (no projection), so this model has no released layout");
        }
        JsonObject config = readJson(folder.configFile());
        if (!ReleasedModelImporter.OBJECTIVE.equals(folder.objective()) || !config.has("import")) {
            int pad = wordPiecePad(folder.tokenizer());
            return new Source(folder, "amos", "amos.", m.vocabSize(), pad, "wordpiece", length);
        }
        JsonObject imp = config.getAsJsonObject("import");
        String prefix = string(imp, "key_prefix", "amos.");
        String type = string(imp, "model_type", prefix.startsWith("cocolm") ? "cocolm" : "amos");
        String tokenizer = string(imp, "tokenizer", "sentencepiece");
        int vocab = imp.has("aliases_from") ? imp.get("aliases_from").getAsInt() : m.vocabSize();
        if (tokenizer.equals("sentencepiece")) {
            for (String file :
                    List.of(ReleasedModelImporter.SP_MODEL, ReleasedModelImporter.DICT)) {
                if (!Files.isRegularFile(folder.dir().resolve(file))) {
                    throw BadInputException.of(
                            folder.dir(),
                            "imported folder without "
                                    + file
                                    + " (imports made before"
                                    + " amos kept sp.model and dict.txt): run 'amos import' again from the released files");
                }
            }
            int pad = imp.has("pad_id") ? imp.get("pad_id").getAsInt() : FairseqDictionary.PAD;
            return new Source(folder, type, prefix, vocab, pad, tokenizer, length);
        }
        return new Source(
                folder, type, prefix, vocab, wordPiecePad(folder.tokenizer()), tokenizer, length);
    }

    /**
     * Exports {@code model} to {@code out} (new or empty, or an earlier export with {@code
     * overwrite}): checks everything first, writes a staging folder beside {@code out} and swaps it
     * in with one rename ({@link OutputFolder}), so a failure leaves nothing.
     *
     * @param maxLength tokens per text to record, 0 for the default
     */
    public static Exported export(
            Path model, Path out, Weights weights, int maxLength, boolean overwrite)
            throws IOException {
        Source source = open(model, maxLength);
        OutputFolder.check(out, FolderKind.EXPORT, overwrite, "--out", model);
        try (OutputFolder folder =
                OutputFolder.staged(out, FolderKind.EXPORT, overwrite, "--out", model)) {
            Exported exported = writeInto(source, folder.dir(), weights);
            folder.commit(ModelExporter.marker(FORMAT, "encoder", model));
            return exported;
        }
    }

    /**
     * Writes the released layout of {@code source} into the (empty, new) folder {@code dir}.
     *
     * @return what was written
     */
    public static Exported writeInto(Source source, Path dir, Weights weights) throws IOException {
        EncoderFolder folder = source.folder;
        ModelConfig m = folder.model();
        List<String> files = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Encoder encoder = Encoder.owning(m.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, folder.params());
            Map<String, ScriptTensor> state = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : encoder.namedTensors().entrySet()) {
                NDArray array = e.getValue();
                if (e.getKey().equals("embeddings.word")
                        && array.getShape().get(0) != source.vocabSize) {
                    array = array.get(new NDIndex("0:" + source.vocabSize));
                }
                state.put(
                        source.keyPrefix + KeyMap.released(e.getKey()),
                        ScriptTensor.ofNDArray(array));
            }
            Path file = dir.resolve(weights.fileName());
            if (weights == Weights.BIN) {
                TorchStateDictWriter.write(file, state);
            } else {
                SafetensorsWriter.write(file, state);
            }
            files.add(weights.fileName());
        }
        writeText(dir.resolve(RunFolder.CONFIG), releasedConfig(source, weights));
        files.add(RunFolder.CONFIG);
        if (source.tokenizer.equals("sentencepiece")) {
            for (String name :
                    List.of(ReleasedModelImporter.SP_MODEL, ReleasedModelImporter.DICT)) {
                Files.copy(folder.dir().resolve(name), dir.resolve(name));
                files.add(name);
            }
        } else {
            List<String> vocab = WordPieceVocab.fromTokenizerJson(folder.tokenizer());
            Files.copy(folder.tokenizer(), dir.resolve(RunFolder.TOKENIZER));
            writeText(dir.resolve(ReleasedModelImporter.VOCAB), WordPieceVocab.text(vocab));
            writeText(
                    dir.resolve(TOKENIZER_CONFIG),
                    tokenizerConfig(folder.tokenizer(), source.maxLength));
            files.addAll(
                    List.of(RunFolder.TOKENIZER, ReleasedModelImporter.VOCAB, TOKENIZER_CONFIG));
        }
        return new Exported(
                source.modelType,
                source.keyPrefix,
                source.vocabSize,
                source.tokenizer,
                source.maxLength,
                List.copyOf(files));
    }

    /**
     * config.json with the keys of the released configs ({@code AMOSConfig} / {@code
     * COCOLMConfig}).
     */
    static String releasedConfig(Source source, Weights weights) {
        ModelConfig m = source.folder.model();
        JsonObject c = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(source.modelType.equals("cocolm") ? "COCOLMModel" : "AMOSModel");
        c.add("architectures", architectures);
        c.addProperty("model_type", source.modelType);
        c.addProperty("vocab_size", source.vocabSize);
        c.addProperty("hidden_size", m.hiddenSize());
        c.addProperty("num_hidden_layers", m.numLayers());
        c.addProperty("num_attention_heads", m.numHeads());
        c.addProperty("intermediate_size", m.ffnSize());
        c.addProperty("hidden_act", "gelu");
        c.addProperty("hidden_dropout_prob", m.dropout());
        c.addProperty("attention_probs_dropout_prob", m.attentionDropout());
        c.addProperty("max_position_embeddings", m.maxPositions());
        c.addProperty("type_vocab_size", 0);
        c.addProperty("initializer_range", m.initStd());
        c.addProperty("layer_norm_eps", m.layerNormEps());
        c.addProperty("rel_pos_bins", m.relPosBuckets());
        c.addProperty("max_rel_pos", m.maxRelPos());
        c.addProperty("layer_norm_type", "post");
        c.addProperty("pad_token_id", source.padId);
        JsonObject amos = new JsonObject();
        amos.addProperty(
                "source",
                ReleasedModelImporter.OBJECTIVE.equals(source.folder.objective())
                        ? "import"
                        : "run");
        amos.addProperty("objective", source.folder.objective());
        amos.addProperty("tokenizer", source.tokenizer);
        amos.addProperty("max_length", source.maxLength);
        amos.addProperty("weights", weights.fileName());
        c.add("amos_export", amos);
        return new GsonBuilder().setPrettyPrinting().create().toJson(c) + "\n";
    }

    /**
     * transformers' BertTokenizer settings of a WordPiece tokenizer.json (casing from its
     * normalizer).
     */
    private static String tokenizerConfig(Path tokenizerJson, int maxLength) {
        JsonObject json = readJson(tokenizerJson);
        boolean lowercase = true;
        if (json.get("normalizer") instanceof JsonObject n
                && n.get("lowercase") != null
                && n.get("lowercase").isJsonPrimitive()) {
            lowercase = n.get("lowercase").getAsBoolean();
        }
        JsonObject c = new JsonObject();
        c.addProperty("tokenizer_class", "BertTokenizer");
        c.addProperty("do_lower_case", lowercase);
        c.addProperty("model_max_length", maxLength);
        return new GsonBuilder().setPrettyPrinting().create().toJson(c) + "\n";
    }

    /** The id of {@code [PAD]} in a WordPiece tokenizer.json (0 in BERT vocabularies). */
    private static int wordPiecePad(Path tokenizerJson) {
        List<String> vocab = WordPieceVocab.fromTokenizerJson(tokenizerJson);
        int pad = vocab.indexOf("[PAD]");
        return pad >= 0 ? pad : 0;
    }

    private static String string(JsonObject o, String key, String fallback) {
        JsonElement v = o.get(key);
        return v != null && v.isJsonPrimitive() ? v.getAsString() : fallback;
    }

    private static JsonObject readJson(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw BadInputException.of(file, "expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw BadInputException.of(file, "cannot read: " + e.getMessage());
        }
    }

    private static void writeText(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
