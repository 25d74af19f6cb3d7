package dev.amos.eval.serve;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.amos.eval.glue.AmosPieceRules;
import dev.amos.model.Pooling;
import java.util.Arrays;

/**
 * A DJL translator from a batch of texts to their sentence vectors, for a model whose forward takes
 * {@code [input_ids, attention_mask]} (int64, B x S) and returns the last hidden states first (the
 * Java {@link EncoderEmbeddingBlock} and the TorchScript export both do).
 *
 * <p>Texts are tokenized with the run's HuggingFace tokenizer (truncated to its max length), padded
 * with id 0 to the longest text of the batch, and the vectors are pooled from the last hidden
 * states with the attention mask ({@link EmbeddingPooling}), so padding never changes a vector. The
 * translator holds no per-call state (the mask travels in the {@link TranslatorContext}) and may be
 * shared by any number of predictors.
 */
public final class EmbeddingTranslator implements NoBatchifyTranslator<String[], float[][]> {

    private static final String MASK = "attention_mask";

    private final HuggingFaceTokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;
    private final AmosPieceRules pieceRules;
    private final int maxLength;

    /**
     * @param tokenizer tokenizer with truncation configured; only {@code encode} is called
     * @param pooling cls or mean
     * @param normalize whether the vectors are L2-normalised
     */
    public EmbeddingTranslator(HuggingFaceTokenizer tokenizer, Pooling pooling, boolean normalize) {
        this(tokenizer, pooling, normalize, null, 0);
    }

    /**
     * A translator for an imported AMOS / COCO-LM tokenizer: {@code pieceRules} (the reference's
     * steps after SentencePiece) are applied before the text is cut to {@code maxLength} tokens.
     *
     * @param pieceRules the rules, or null for the tokenizer alone
     * @param maxLength tokens kept per text with {@code <s>} and {@code </s>} (used with rules)
     */
    public EmbeddingTranslator(
            HuggingFaceTokenizer tokenizer,
            Pooling pooling,
            boolean normalize,
            AmosPieceRules pieceRules,
            int maxLength) {
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        this.pieceRules = pieceRules;
        this.maxLength = maxLength;
    }

    private long[] ids(String text) {
        return pieceRules == null
                ? tokenizer.encode(text).getIds()
                : pieceRules.single(tokenizer, text, maxLength);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String[] texts) {
        long[][] ids = new long[texts.length][];
        int longest = 1;
        for (int i = 0; i < texts.length; i++) {
            ids[i] = ids(texts[i]);
            longest = Math.max(longest, ids[i].length);
        }
        long[] paddedIds = new long[texts.length * longest];
        long[] mask = new long[texts.length * longest];
        for (int i = 0; i < texts.length; i++) {
            System.arraycopy(ids[i], 0, paddedIds, i * longest, ids[i].length);
            Arrays.fill(mask, i * longest, i * longest + ids[i].length, 1L);
        }
        NDManager manager = ctx.getNDManager();
        Shape shape = new Shape(texts.length, longest);
        NDArray idArray = manager.create(paddedIds, shape);
        NDArray maskArray = manager.create(mask, shape);
        ctx.setAttachment(MASK, maskArray);
        return new NDList(idArray, maskArray);
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList output) {
        NDArray mask = (NDArray) ctx.getAttachment(MASK);
        NDArray pooled = EmbeddingPooling.pool(output.get(0), mask, pooling, normalize);
        int rows = (int) pooled.getShape().get(0);
        int dim = (int) pooled.getShape().get(1);
        float[] flat = pooled.toFloatArray();
        float[][] vectors = new float[rows][dim];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * dim, vectors[i], 0, dim);
        }
        return vectors;
    }

    /** The same translation for one text at a time. */
    public NoBatchifyTranslator<String, float[]> forSingleText() {
        EmbeddingTranslator batch = this;
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, String text) {
                return batch.processInput(ctx, new String[] {text});
            }

            @Override
            public float[] processOutput(TranslatorContext ctx, NDList output) {
                return batch.processOutput(ctx, output)[0];
            }
        };
    }
}
