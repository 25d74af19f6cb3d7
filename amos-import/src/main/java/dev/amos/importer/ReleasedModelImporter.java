package dev.amos.importer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.amos.importer.TorchCheckpoint.TensorInfo;
import dev.amos.io.FolderKind;
import dev.amos.io.OutputFolder;
import dev.amos.io.Sha256;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderFolder;
import dev.amos.model.ModelConfig;
import dev.amos.train.RunFolder;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code amos import}: turns the files of a released AMOS / COCO-LM Hugging Face repo ({@code
 * pytorch_model.bin} or {@code model.safetensors}, {@code config.json}, {@code sp.model}, {@code
 * dict.txt}) into an amos model folder, the same kind as a pretraining run's {@code
 * discriminator/}: {@code encoder.params}, {@code config.json} ({@code {"model": ..., "objective":
 * "imported"}}), {@code tokenizer.json}, and copies of {@code sp.model} and {@code dict.txt} (so
 * that {@link HfExporter} can write the released layout back). A folder of the same layout with a
 * WordPiece {@code tokenizer.json} (and {@code vocab.txt}) instead of {@code sp.model} + {@code
 * dict.txt}, as {@code amos export --format hf} writes for a pretraining run, is imported with that
 * tokenizer as it is. Everything is checked before the weights are read; the folder is written
 * under a temporary name beside {@code out} and renamed at the end, so a failure leaves nothing.
 */
public final class ReleasedModelImporter {

    /** Weight files looked for, in order. */
    public static final List<String> WEIGHT_FILES =
            List.of("pytorch_model.bin", "model.safetensors");

    public static final String CONFIG = "config.json";
    public static final String SP_MODEL = "sp.model";
    public static final String DICT = "dict.txt";

    /** The WordPiece vocabulary of a released-layout folder written for a pretraining run. */
    public static final String VOCAB = "vocab.txt";

    /** The objective label of an imported folder. */
    public static final String OBJECTIVE = "imported";

    /**
     * What an import did.
     *
     * @param out the model folder written
     * @param prefix the key prefix of the state dict
     * @param skipped keys that are not encoder weights
     * @param unkAliases sp.model pieces missing from dict.txt (ids standing for {@code <unk>})
     * @param spType unigram or BPE
     */
    public record Result(
            Path out,
            String prefix,
            List<String> skipped,
            int unkAliases,
            SentencePieceModel.Type spType) {}

    private ReleasedModelImporter() {}

    /** Imports {@code from} into the new folder {@code out}; {@code log} gets progress lines. */
    public static Result run(Path from, Path out, Consumer<String> log) throws IOException {
        return run(from, out, false, log);
    }

    /**
     * Imports {@code from} into {@code out}: a new or empty folder, or an earlier import with
     * {@code overwrite}. Everything is checked before anything is written; the folder is built
     * beside {@code out} and renamed into place ({@link OutputFolder}); {@code log} gets progress
     * lines.
     */
    public static Result run(Path from, Path out, boolean overwrite, Consumer<String> log)
            throws IOException {
        if (!Files.isDirectory(from)) {
            throw BadInputException.of(
                    from, "no such folder (expected the files of a released AMOS / COCO-LM repo)");
        }
        OutputFolder.check(out, FolderKind.IMPORT, overwrite, "--out", from);
        Path weights =
                WEIGHT_FILES.stream()
                        .map(from::resolve)
                        .filter(Files::isRegularFile)
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        BadInputException.of(
                                                from,
                                                "no weights: expected "
                                                        + String.join(" or ", WEIGHT_FILES)));
        ReleasedConfig config = ReleasedConfig.load(from.resolve(CONFIG));
        if (isWordPieceLayout(from)) {
            return runWordPiece(from, out, overwrite, weights, config, log);
        }
        SentencePieceModel sp = SentencePieceModel.load(from.resolve(SP_MODEL));
        FairseqDictionary dict = FairseqDictionary.load(from.resolve(DICT));
        TokenizerJson tokenizer = TokenizerJson.of(sp, dict, config.vocabSize(), config.file());
        ModelConfig model = withVocab(config.modelConfig(), tokenizer.tokenizerVocabSize());
        JsonObject source = new JsonObject();
        source.addProperty("tokenizer", "sentencepiece");
        source.addProperty("sp_model_type", sp.type().name().toLowerCase());
        source.addProperty("dictionary_size", dict.size());
        source.addProperty("mask_id", dict.maskId());
        source.addProperty("pad_id", FairseqDictionary.PAD);
        source.addProperty("aliases_from", model.vocabSize() - tokenizer.aliasRows().size());
        JsonArray rows = new JsonArray();
        tokenizer.aliasRows().forEach(rows::add);
        source.add("alias_rows", rows);
        KeyMap keys =
                write(
                        from,
                        out,
                        overwrite,
                        weights,
                        config,
                        model,
                        tokenizer.aliasRows(),
                        source,
                        log,
                        tmp -> {
                            writeText(tmp.resolve(RunFolder.TOKENIZER), tokenizer.json());
                            Files.copy(from.resolve(SP_MODEL), tmp.resolve(SP_MODEL));
                            Files.copy(from.resolve(DICT), tmp.resolve(DICT));
                        });
        log.accept(
                "imported "
                        + config.modelType()
                        + " "
                        + config.numLayers()
                        + " x "
                        + config.hiddenSize()
                        + " ("
                        + sp.type().name().toLowerCase()
                        + " tokenizer, "
                        + dict.size()
                        + " ids, "
                        + tokenizer.unkAliases()
                        + " sp.model pieces not in dict.txt read as <unk>, "
                        + (tokenizer.aliasRows().size() - tokenizer.unkAliases())
                        + " lone-space pieces) -> "
                        + out);
        return new Result(out, keys.prefix(), keys.skipped(), tokenizer.unkAliases(), sp.type());
    }

    /**
     * No sp.model nor dict.txt, but a tokenizer.json: the layout {@link HfExporter} writes for a
     * WordPiece run.
     */
    static boolean isWordPieceLayout(Path from) {
        return !Files.exists(from.resolve(SP_MODEL))
                && !Files.exists(from.resolve(DICT))
                && Files.isRegularFile(from.resolve(RunFolder.TOKENIZER));
    }

    private static Result runWordPiece(
            Path from,
            Path out,
            boolean overwrite,
            Path weights,
            ReleasedConfig config,
            Consumer<String> log)
            throws IOException {
        Path tokenizerFile = from.resolve(RunFolder.TOKENIZER);
        List<String> vocab = WordPieceVocab.fromTokenizerJson(tokenizerFile);
        Path vocabFile = from.resolve(VOCAB);
        if (Files.exists(vocabFile)) {
            WordPieceVocab.requireSame(vocabFile, vocab, tokenizerFile);
        }
        if (vocab.size() > config.vocabSize()) {
            throw BadInputException.of(
                    config.file(),
                    "\"vocab_size\" is "
                            + config.vocabSize()
                            + " but "
                            + tokenizerFile.getFileName()
                            + " has "
                            + vocab.size()
                            + " tokens");
        }
        ModelConfig model = config.modelConfig();
        JsonObject source = new JsonObject();
        source.addProperty("tokenizer", "wordpiece");
        source.addProperty("dictionary_size", vocab.size());
        source.addProperty("aliases_from", model.vocabSize());
        source.add("alias_rows", new JsonArray());
        KeyMap keys =
                write(
                        from,
                        out,
                        overwrite,
                        weights,
                        config,
                        model,
                        List.of(),
                        source,
                        log,
                        tmp -> Files.copy(tokenizerFile, tmp.resolve(RunFolder.TOKENIZER)));
        log.accept(
                "imported "
                        + config.modelType()
                        + " "
                        + config.numLayers()
                        + " x "
                        + config.hiddenSize()
                        + " (wordpiece tokenizer, "
                        + vocab.size()
                        + " ids) -> "
                        + out);
        return new Result(out, keys.prefix(), keys.skipped(), 0, null);
    }

    /** Writes the tokenizer files of the new folder into the staging folder. */
    @FunctionalInterface
    private interface TokenizerFiles {
        void write(Path staging) throws IOException;
    }

    private static KeyMap write(
            Path from,
            Path out,
            boolean overwrite,
            Path weights,
            ReleasedConfig config,
            ModelConfig model,
            List<Integer> aliasRows,
            JsonObject source,
            Consumer<String> log,
            TokenizerFiles tokenizerFiles)
            throws IOException {
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(weights);
                OutputFolder folder =
                        OutputFolder.staged(out, FolderKind.IMPORT, overwrite, "--out", from)) {
            Path tmp = folder.dir();
            KeyMap keys;
            try (NDManager manager = NDManager.newBaseManager()) {
                Encoder encoder = Encoder.owning(model.discriminator());
                encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
                Map<String, NDArray> named = encoder.namedTensors();
                keys = KeyMap.of(weights, checkpoint.tensors().keySet(), named.keySet());
                if (!keys.skipped().isEmpty()) {
                    log.accept(
                            "skipped "
                                    + keys.skipped().size()
                                    + " keys that are not encoder weights: "
                                    + String.join(", ", keys.skipped()));
                }
                checkShapes(checkpoint, keys, named, config);
                copyWeights(checkpoint, keys, named, config.vocabSize(), aliasRows);
                BlockFiles.save(encoder, tmp.resolve(EncoderFolder.PARAMS));
            }
            tokenizerFiles.write(tmp);
            writeText(
                    tmp.resolve(EncoderFolder.CONFIG),
                    folderConfig(
                            model,
                            config,
                            weights,
                            keys,
                            source,
                            Sha256.of(tmp.resolve(EncoderFolder.TOKENIZER))));
            folder.commit(null);
            return keys;
        }
    }

    /** The rows of the word embedding: vocab_size plus the ids standing for {@code <unk>}. */
    private static ModelConfig withVocab(ModelConfig m, int rows) {
        JsonObject j = m.toJson();
        j.addProperty("vocab_size", rows);
        return ModelConfig.fromJson(j, "config.json");
    }

    private static void checkShapes(
            TorchCheckpoint checkpoint,
            KeyMap keys,
            Map<String, NDArray> named,
            ReleasedConfig config) {
        for (Map.Entry<String, String> e : keys.sourceByTarget().entrySet()) {
            TensorInfo t = checkpoint.tensors().get(e.getValue());
            long[] expected = named.get(e.getKey()).getShape().getShape().clone();
            if (e.getKey().equals("embeddings.word")) {
                expected[0] = config.vocabSize();
            }
            if (!Arrays.equals(t.shape(), expected)) {
                throw BadInputException.of(
                        checkpoint.file(),
                        "key \""
                                + e.getValue()
                                + "\" has shape "
                                + t.shapeText()
                                + " but "
                                + config.file().getFileName()
                                + " implies "
                                + Arrays.toString(expected));
            }
        }
    }

    private static void copyWeights(
            TorchCheckpoint checkpoint,
            KeyMap keys,
            Map<String, NDArray> named,
            int vocabSize,
            List<Integer> aliasRows)
            throws IOException {
        Map<String, String> targetBySource = new HashMap<>();
        keys.sourceByTarget().forEach((target, source) -> targetBySource.put(source, target));
        checkpoint.read(
                targetBySource.keySet(),
                (tensor, values) -> {
                    String target = targetBySource.get(tensor.name());
                    NDArray array = named.get(target);
                    if (target.equals("embeddings.word")) {
                        values =
                                withAliasRows(
                                        values,
                                        vocabSize,
                                        aliasRows,
                                        (int) array.getShape().get(1));
                    }
                    array.set(FloatBuffer.wrap(values));
                });
    }

    /** The released rows, then for each tokenizer alias id a copy of the row it stands for. */
    private static float[] withAliasRows(
            float[] rows, int vocabSize, List<Integer> aliasRows, int width) {
        if (aliasRows.isEmpty()) {
            return rows;
        }
        float[] out = Arrays.copyOf(rows, (vocabSize + aliasRows.size()) * width);
        for (int k = 0; k < aliasRows.size(); k++) {
            System.arraycopy(rows, aliasRows.get(k) * width, out, (vocabSize + k) * width, width);
        }
        return out;
    }

    private static String folderConfig(
            ModelConfig model,
            ReleasedConfig config,
            Path weights,
            KeyMap keys,
            JsonObject tokenizer,
            String tokenizerSha256) {
        JsonObject c = new JsonObject();
        c.add("model", model.toJson());
        c.addProperty("objective", OBJECTIVE);
        c.addProperty(EncoderFolder.TOKENIZER_SHA256, tokenizerSha256);
        JsonObject source = new JsonObject();
        source.addProperty("model_type", config.modelType());
        source.addProperty("weights", weights.getFileName().toString());
        source.addProperty("key_prefix", keys.prefix());
        JsonArray skipped = new JsonArray();
        keys.skipped().forEach(skipped::add);
        source.add("skipped_keys", skipped);
        tokenizer.entrySet().forEach(e -> source.add(e.getKey(), e.getValue()));
        c.add("import", source);
        return new GsonBuilder().setPrettyPrinting().create().toJson(c) + "\n";
    }

    private static void writeText(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
