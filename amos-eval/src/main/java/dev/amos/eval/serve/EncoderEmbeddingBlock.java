package dev.amos.eval.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.amos.model.Encoder;
import dev.amos.model.Pooling;

/**
 * A DJL {@link ai.djl.nn.Block} around the Java {@link Encoder} with the signature of the
 * TorchScript export: {@code forward(NDList[input_ids (B,S) int64, attention_mask (B,S) int64])}
 * returns {@code NDList[last_hidden (B,S,H), pooled (B,H)]}. It lets a {@link ai.djl.Model} built
 * with {@code Model.newInstance} + {@code setBlock} serve a pretraining run exactly like the
 * exported {@code .pt} (see {@link EmbeddingPooling} for the pooling).
 */
public final class EncoderEmbeddingBlock extends AbstractBlock {

    private final Encoder encoder;
    private final Pooling pooling;
    private final boolean normalize;

    /**
     * @param encoder the encoder (its parameters are loaded or initialized through this block)
     * @param pooling how the second output is pooled
     * @param normalize whether the second output is L2-normalised
     */
    public EncoderEmbeddingBlock(Encoder encoder, Pooling pooling, boolean normalize) {
        super((byte) 1);
        this.encoder = addChildBlock("encoder", encoder);
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /** The wrapped encoder. */
    public Encoder encoder() {
        return encoder;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        // Results of ops that start from a parameter attach to the model's manager and would live
        // as long as the model: every intermediate is closed with the scope, and only the two
        // outputs move to the caller's (per-request) manager.
        try (NDScope scope = new NDScope()) {
            NDArray hidden = encoder.encode(ps, ids, mask, training);
            NDArray pooled = EmbeddingPooling.pool(hidden, mask, pooling, normalize);
            NDScope.unregister(hidden, pooled);
            hidden.attach(ids.getManager());
            pooled.attach(ids.getManager());
            return new NDList(hidden, pooled);
        }
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        encoder.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        long hidden = encoder.config().hiddenSize();
        return new Shape[] {
            new Shape(ids.get(0), ids.get(1), hidden), new Shape(ids.get(0), hidden)
        };
    }
}
