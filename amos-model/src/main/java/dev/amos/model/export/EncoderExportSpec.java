package dev.amos.model.export;

import dev.amos.model.Pooling;
import dev.amos.model.RelativePositionBuckets;

/**
 * The architecture and output head of a BERT-style (post-LayerNorm) encoder with T5-style relative
 * position bias, as exported by {@link EncoderTorchScriptExporter}.
 *
 * @param vocabSize rows of {@code embeddings.word}
 * @param embeddingSize embedding width De; when it differs from {@code hidden}, {@code
 *     embeddings.project} maps De to H after the embedding LayerNorm
 * @param hidden hidden width H
 * @param layers number of transformer layers
 * @param heads attention heads (divides {@code hidden})
 * @param ffn feed-forward inner width F
 * @param maxPositions rows of {@code embeddings.position}; the longest accepted sequence
 * @param relBuckets relative position buckets (rows of {@code rel_bias.table})
 * @param maxRelPos relative distance from which positions share the outermost bucket
 * @param layerNormEps epsilon of every LayerNorm
 * @param pooling how the second output (without classifier) is pooled from the last hidden states
 * @param normalize L2-normalise the pooled vector (ignored with a classifier)
 * @param numLabels classes of the classification head; 0 = no head (second output is pooled)
 */
public record EncoderExportSpec(
        int vocabSize,
        int embeddingSize,
        int hidden,
        int layers,
        int heads,
        int ffn,
        int maxPositions,
        int relBuckets,
        int maxRelPos,
        double layerNormEps,
        Pooling pooling,
        boolean normalize,
        int numLabels) {

    public EncoderExportSpec {
        requirePositive("vocabSize", vocabSize);
        requirePositive("embeddingSize", embeddingSize);
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("ffn", ffn);
        requirePositive("maxPositions", maxPositions);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden " + hidden + " is not a multiple of heads " + heads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
        }
        if (pooling == null) {
            throw new IllegalArgumentException("pooling must be given");
        }
        if (numLabels < 0) {
            throw new IllegalArgumentException("numLabels must be >= 0, got " + numLabels);
        }
        RelativePositionBuckets.signedBucket(0, relBuckets, maxRelPos);
    }

    /** Width of one attention head. */
    public int headSize() {
        return hidden / heads;
    }

    /** Whether the second output is classifier logits rather than the pooled vector. */
    public boolean hasClassifier() {
        return numLabels > 0;
    }

    /** Whether the embeddings are projected from De to H. */
    public boolean projectsEmbeddings() {
        return embeddingSize != hidden;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
