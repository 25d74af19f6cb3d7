package dev.amos.model;

/**
 * The shape of one post-LN BERT encoder (discriminator or generator), derived from {@link
 * ModelConfig}.
 *
 * @param vocabSize rows of the token embedding E
 * @param embeddingSize width De of E and of the absolute position table
 * @param hiddenSize width H of the layers (a projection De -> H exists when they differ)
 * @param numLayers depth
 * @param numHeads attention heads
 * @param ffnSize feed-forward width
 * @param maxPositions rows of the absolute position table, side of the relative-bucket grid
 * @param relPosBuckets relative-position buckets
 * @param maxRelPos distance where the log buckets saturate
 * @param dropout hidden dropout
 * @param attentionDropout attention-probability dropout
 * @param layerNormEps LayerNorm epsilon
 * @param initStd normal init standard deviation of weights
 */
public record EncoderConfig(
        int vocabSize,
        int embeddingSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnSize,
        int maxPositions,
        int relPosBuckets,
        int maxRelPos,
        float dropout,
        float attentionDropout,
        float layerNormEps,
        float initStd) {

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** True when token embeddings are projected from De to H. */
    public boolean projectsEmbeddings() {
        return embeddingSize != hiddenSize;
    }
}
