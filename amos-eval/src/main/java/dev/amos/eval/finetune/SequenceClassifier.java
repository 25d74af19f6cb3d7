package dev.amos.eval.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.amos.model.AmosBlock;
import dev.amos.model.Encoder;
import dev.amos.model.EncoderConfig;

/**
 * A pretrained encoder with a {@link ClassificationHead} on its first ([CLS]) token: the model of
 * GLUE fine-tuning. As a DJL block it maps {@code NDList(input_ids (B,S) int64, attention_mask
 * (B,S) int64)} to {@code NDList(outputs (B,K) float32)}, logits or (STS-B) a score in column 0.
 */
public final class SequenceClassifier extends AmosBlock {

    private final ClassifierConfig config;
    private final Encoder encoder;
    private final ClassificationHead head;

    /** A classifier with a freshly initialized encoder and head (call {@link #initialize} next). */
    public SequenceClassifier(ClassifierConfig config) {
        this.config = config;
        EncoderConfig ec = config.model().discriminator();
        encoder = addChildBlock("encoder", Encoder.owning(ec));
        head =
                addChildBlock(
                        "head",
                        new ClassificationHead(
                                ec.hiddenSize(), config.numLabels(), ec.dropout(), ec.initStd()));
    }

    /**
     * Allocates all parameters in {@code manager} (shapes are fixed; the input shape is unused).
     */
    public SequenceClassifier initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
        return this;
    }

    public ClassifierConfig config() {
        return config;
    }

    /** The encoder (load pretrained weights into it). */
    public Encoder encoder() {
        return encoder;
    }

    /** Outputs (B, K) of token ids (B, S) with attention mask (B, S). */
    public NDArray forward(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, boolean training) {
        NDArray hidden = encoder.encode(ps, inputIds, attentionMask, training);
        return head.apply(ps, hidden.get(":, 0, :"), training);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.numLabels())};
    }
}
