package dev.amos.eval.serve;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import com.google.gson.JsonObject;
import dev.amos.eval.glue.AmosPieceRules;
import dev.amos.model.BadInputException;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderFolder;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Sentence embeddings from an AMOS encoder, for services and for {@code amos embed}.
 *
 * <p>Loads either a pretraining run ({@code DIR} or {@code DIR/discriminator}: the Java encoder
 * wrapped in an {@link EncoderEmbeddingBlock} set on a {@code Model.newInstance(.., "PyTorch")}) or
 * a folder written by {@code amos export} (the TorchScript {@code .pt}). Both give the same vectors
 * (pooling with the attention mask, optional L2 normalisation: {@link EmbeddingPooling}).
 *
 * <p>It is built on DJL types: {@link #model()} is a {@link ZooModel} with an {@link
 * EmbeddingTranslator} ({@code String[] -> float[][]}); {@link #newBatchPredictor()} and {@link
 * #newPredictor()} ({@code String -> float[]}) give ordinary DJL predictors.
 *
 * <p><b>Threads.</b> A DJL {@link Predictor} is <em>not</em> thread-safe: use one predictor per
 * thread. {@link #embed(List)} and {@link #embed(String)} are thread-safe: they borrow a predictor
 * from an internal pool (one is created when all are busy, so at most one per concurrent caller)
 * and give it back. The model weights are shared, read-only, by all predictors.
 *
 * <pre>{@code
 * try (TextEmbedder embedder = TextEmbedder.load(Path.of("runs/my-run"), Pooling.MEAN, true)) {
 *     float[][] vectors = embedder.embed(List.of("a first text", "another one"));
 * }
 * }</pre>
 */
public final class TextEmbedder implements AutoCloseable {

    private final ZooModel<String[], float[][]> model;
    private final EmbeddingTranslator translator;
    private final HuggingFaceTokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;
    private final int dimension;
    private final int maxLength;
    private final ConcurrentLinkedDeque<Predictor<String[], float[][]>> idle =
            new ConcurrentLinkedDeque<>();
    private final List<Predictor<String[], float[][]>> created = new ArrayList<>();

    private TextEmbedder(
            Model model,
            HuggingFaceTokenizer tokenizer,
            Pooling pooling,
            boolean normalize,
            int dimension,
            int maxLength,
            AmosPieceRules pieceRules) {
        this.translator =
                new EmbeddingTranslator(tokenizer, pooling, normalize, pieceRules, maxLength);
        this.model = new ZooModel<>(model, translator);
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        this.dimension = dimension;
        this.maxLength = maxLength;
    }

    /** Loads {@code dir} on the CPU; see {@link #load(Path, Pooling, boolean, Device)}. */
    public static TextEmbedder load(Path dir, Pooling pooling, boolean normalize)
            throws IOException {
        return load(dir, pooling, normalize, Device.cpu());
    }

    /**
     * Loads a pretraining run ({@code DIR} or {@code DIR/discriminator}) or an exported folder.
     *
     * @param dir the folder
     * @param pooling cls or mean (applied to the last hidden states, whatever an export baked in)
     * @param normalize whether vectors are L2-normalised
     * @param device where the model runs
     * @throws BadInputException naming {@code dir} if it is neither
     */
    public static TextEmbedder load(Path dir, Pooling pooling, boolean normalize, Device device)
            throws IOException {
        return load(dir, pooling, normalize, device, 0);
    }

    /**
     * Loads a pretraining run ({@code DIR} or {@code DIR/discriminator}) or an exported folder,
     * cutting texts to {@code maxLength} tokens.
     *
     * @param maxLength tokens kept per text (with the start and end markers), 3 to the model's
     *     positions; 0 for the folder's own (an export's recorded length, else min(512, positions))
     * @throws BadInputException naming {@code dir} if it is neither, or {@code --max-len} if out of
     *     range
     */
    public static TextEmbedder load(
            Path dir, Pooling pooling, boolean normalize, Device device, int maxLength)
            throws IOException {
        refuseReleasedLayout(dir);
        if (!ExportedFolder.isExported(dir)
                && Files.isRegularFile(dir.resolve(OnnxExporter.MODEL_FILE))) {
            throw BadInputException.of(
                    dir,
                    "an ONNX export ("
                            + OnnxExporter.MODEL_FILE
                            + "): amos embed takes a run, an"
                            + " import or a TorchScript export; run it in ONNX Runtime (docs/serving.md) or embed the folder it"
                            + " was exported from");
        }
        int length = maxLength(dir, maxLength);
        if (ExportedFolder.isExported(dir)) {
            ExportedFolder folder = ExportedFolder.open(dir);
            return loadExported(
                    new ExportedFolder(
                            folder.dir(),
                            folder.modelName(),
                            folder.pooling(),
                            folder.normalize(),
                            length),
                    pooling,
                    normalize,
                    device);
        }
        return loadRun(EncoderFolder.open(dir), pooling, normalize, device, length);
    }

    /**
     * The tokens per text that {@link #load(Path, Pooling, boolean, Device, int)} uses for {@code
     * dir}.
     *
     * @param requested 0 for the folder's own (an export's recorded length, else min(512,
     *     positions))
     * @throws BadInputException naming {@code --max-len} unless {@code 3 <= requested <=} the
     *     model's positions
     */
    public static int maxLength(Path dir, int requested) {
        if (requested == 0) {
            return ExportedFolder.isExported(dir)
                    ? ExportedFolder.open(dir).maxLength()
                    : EncoderFolder.open(dir).maxLength();
        }
        return EncoderFolder.checkMaxLength(requested, positions(dir), "--max-len");
    }

    /**
     * The positions (longest input) of the model in a run, its discriminator, an import or an
     * encoder export.
     *
     * @throws BadInputException naming {@code dir} if it is none of these
     */
    public static int positions(Path dir) {
        refuseReleasedLayout(dir);
        if (ExportedFolder.isExported(dir)) {
            ExportedFolder folder = ExportedFolder.open(dir);
            JsonObject config = EncoderFolder.readJsonObject(dir.resolve("config.json"));
            return config.get("model") instanceof JsonObject model && model.has("max_positions")
                    ? model.get("max_positions").getAsInt()
                    : folder.maxLength();
        }
        return EncoderFolder.open(dir).model().maxPositions();
    }

    /**
     * An {@code amos export --format hf} folder holds Microsoft's layout, which amos reads through
     * {@code amos import}.
     */
    private static void refuseReleasedLayout(Path dir) {
        if (!ExportedFolder.isExported(dir)
                && !EncoderFolder.isRunOrDiscriminator(dir)
                && Files.isRegularFile(dir.resolve("config.json"))
                && (Files.isRegularFile(dir.resolve("pytorch_model.bin"))
                        || Files.isRegularFile(dir.resolve("model.safetensors")))) {
            throw BadInputException.of(
                    dir,
                    "a folder in Microsoft's released layout (pytorch_model.bin or model.safetensors,"
                            + " config.json), as amos export --format hf writes: run 'amos import --from "
                            + dir
                            + " --out MODEL' and use MODEL");
        }
    }

    private static TextEmbedder loadRun(
            EncoderFolder run, Pooling pooling, boolean normalize, Device device, int maxLength)
            throws IOException {
        HuggingFaceTokenizer tokenizer = tokenizer(run.tokenizer(), maxLength);
        Model model = Model.newInstance(ModelExporter.MODEL_NAME, device, "PyTorch");
        try {
            Encoder encoder = Encoder.owning(run.model().discriminator());
            EncoderEmbeddingBlock block = new EncoderEmbeddingBlock(encoder, pooling, normalize);
            model.setBlock(block);
            // weights first: initialize() then skips every loaded parameter instead of drawing
            // ~110M random numbers at amos-base that the file would overwrite
            BlockFiles.load(encoder, model.getNDManager(), run.params());
            block.initialize(
                    model.getNDManager(), DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
            block.freezeParameters(
                    true); // inference only: no autograd graph, whatever the thread's grad mode
            return new TextEmbedder(
                    model,
                    tokenizer,
                    pooling,
                    normalize,
                    run.model().hiddenSize(),
                    maxLength,
                    AmosPieceRules.of(run.tokenizer()).orElse(null));
        } catch (RuntimeException e) {
            model.close();
            tokenizer.close();
            throw e;
        }
    }

    private static TextEmbedder loadExported(
            ExportedFolder folder, Pooling pooling, boolean normalize, Device device)
            throws IOException {
        HuggingFaceTokenizer tokenizer =
                tokenizer(folder.dir().resolve("tokenizer.json"), folder.maxLength());
        Model model = Model.newInstance(folder.modelName(), device, "PyTorch");
        try {
            model.load(folder.dir(), folder.modelName());
            int dimension =
                    ((Number)
                                    EncoderFolder.readJsonObject(
                                                    folder.dir().resolve("config.json"))
                                            .getAsJsonObject("export")
                                            .get("hidden_size")
                                            .getAsNumber())
                            .intValue();
            return new TextEmbedder(
                    model,
                    tokenizer,
                    pooling,
                    normalize,
                    dimension,
                    folder.maxLength(),
                    AmosPieceRules.of(folder.dir().resolve("tokenizer.json")).orElse(null));
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            tokenizer.close();
            throw BadInputException.of(
                    folder.modelFile(), "cannot load the exported model: " + e.getMessage());
        }
    }

    /** The HF tokenizer of a run, truncating to {@code maxLength} tokens (with [CLS] and [SEP]). */
    static HuggingFaceTokenizer tokenizer(Path file, int maxLength) throws IOException {
        try {
            if (AmosPieceRules.of(file)
                    .isPresent()) { // imported: the translator cuts after the reference's steps
                return HuggingFaceTokenizer.newInstance(
                        file, Map.of("truncation", "false", "padding", "false"));
            }
            return HuggingFaceTokenizer.newInstance(
                    file,
                    Map.of(
                            "truncation",
                            "true",
                            "maxLength",
                            String.valueOf(maxLength),
                            "padding",
                            "false"));
        } catch (RuntimeException e) {
            throw BadInputException.of(
                    file,
                    "cannot load the tokenizer (expected a HuggingFace tokenizer.json): "
                            + e.getMessage());
        }
    }

    /** The DJL model with the batch translator ({@code String[] -> float[][]}). */
    public ZooModel<String[], float[][]> model() {
        return model;
    }

    /** The translator for batches of texts. */
    public Translator<String[], float[][]> batchTranslator() {
        return translator;
    }

    /** The translator for one text ({@code String -> float[]}). */
    public Translator<String, float[]> translator() {
        return translator.forSingleText();
    }

    /** A new batch predictor; not thread-safe: one per thread, close it when done. */
    public Predictor<String[], float[][]> newBatchPredictor() {
        return model.newPredictor();
    }

    /** A new single-text predictor; not thread-safe: one per thread, close it when done. */
    public Predictor<String, float[]> newPredictor() {
        return model.newPredictor(translator());
    }

    /**
     * Embeds texts as one padded batch. Thread-safe.
     *
     * @param texts the texts (longer ones are truncated to {@link #maxLength()} tokens)
     * @return one vector of {@link #dimension()} floats per text, in order
     */
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        Predictor<String[], float[][]> predictor = borrow();
        try {
            return predictor.predict(texts.toArray(new String[0]));
        } catch (TranslateException e) {
            throw new IllegalStateException("embedding failed: " + e.getMessage(), e);
        } finally {
            idle.push(predictor);
        }
    }

    /** Embeds one text. Thread-safe. */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    private Predictor<String[], float[][]> borrow() {
        Predictor<String[], float[][]> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor();
            synchronized (created) {
                created.add(predictor);
            }
        }
        return predictor;
    }

    /** Width of the vectors. */
    public int dimension() {
        return dimension;
    }

    /** Tokens kept per text. */
    public int maxLength() {
        return maxLength;
    }

    public Pooling pooling() {
        return pooling;
    }

    public boolean normalize() {
        return normalize;
    }

    /** Closes the pooled predictors, the model and the tokenizer. */
    @Override
    public void close() {
        synchronized (created) {
            created.forEach(Predictor::close);
            created.clear();
        }
        idle.clear();
        model.close();
        tokenizer.close();
    }
}
