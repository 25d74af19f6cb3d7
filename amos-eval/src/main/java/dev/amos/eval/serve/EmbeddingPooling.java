package dev.amos.eval.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.amos.model.Pooling;

/**
 * Sentence vectors from the last hidden states of an encoder, exactly as the TorchScript export
 * computes its second output ({@link dev.amos.model.export.EncoderTorchScriptExporter}):
 *
 * <pre>
 * cls:       v = hidden[:, 0]
 * mean:      v = sum(hidden * m) / max(sum(m), 1e-9)      (m = attention mask, padding excluded)
 * normalize: v = v / max(||v||_2, 1e-12)
 * </pre>
 *
 * Mean pooling over real tokens is the usual sentence-embedding recipe of <a
 * href="https://arxiv.org/abs/1908.10084">Sentence-BERT</a>; cls pooling reads the first token as
 * in <a href="https://arxiv.org/abs/1810.04805">BERT</a>.
 */
public final class EmbeddingPooling {

    static final float MEAN_EPSILON = 1e-9f;
    static final float NORM_EPSILON = 1e-12f;

    private EmbeddingPooling() {}

    /**
     * Pools {@code hidden} (B, S, H) with {@code attentionMask} (B, S) into (B, H).
     *
     * @param hidden last hidden states
     * @param attentionMask 1 for real tokens, 0 for padding (any numeric type)
     * @param pooling cls or mean
     * @param normalize whether to L2-normalise each vector
     * @return the pooled vectors, float32 (B, H)
     */
    public static NDArray pool(
            NDArray hidden, NDArray attentionMask, Pooling pooling, boolean normalize) {
        NDArray pooled =
                switch (pooling) {
                    case CLS -> hidden.get(":, 0, :");
                    case MEAN -> meanPool(hidden, attentionMask);
                };
        return normalize ? l2Normalize(pooled) : pooled;
    }

    private static NDArray meanPool(NDArray hidden, NDArray attentionMask) {
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray sum = hidden.mul(mask).sum(new int[] {1});
        NDArray count = mask.sum(new int[] {1}).maximum(MEAN_EPSILON);
        return sum.div(count);
    }

    private static NDArray l2Normalize(NDArray vectors) {
        NDArray norm = vectors.square().sum(new int[] {-1}, true).sqrt().maximum(NORM_EPSILON);
        return vectors.div(norm);
    }
}
