package dev.amos.eval.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.amos.model.AmosBlock;

/**
 * The sentence-level head of GLUE fine-tuning as in BERT/ELECTRA/AMOS: on the first token's hidden
 * state, {@code dropout -> dense(H) -> tanh -> dropout -> out(K)}, K = label count, or 1 for STS-B
 * regression (<a href="https://arxiv.org/abs/2204.06644">AMOS, Meng et al. 2022</a>, appendix).
 */
public final class ClassificationHead extends AmosBlock {

    private final Parameter denseWeight;
    private final Parameter denseBias;
    private final Parameter outWeight;
    private final Parameter outBias;
    private final float dropout;

    /**
     * @param hiddenSize the encoder width H
     * @param outputs the number of outputs K
     * @param dropout dropout rate before both projections
     * @param initStd normal init standard deviation
     */
    public ClassificationHead(int hiddenSize, int outputs, float dropout, float initStd) {
        this.dropout = dropout;
        denseWeight = weight("dense_weight", initStd, hiddenSize, hiddenSize);
        denseBias = bias("dense_bias", hiddenSize);
        outWeight = weight("out_weight", initStd, hiddenSize, outputs);
        outBias = bias("out_bias", outputs);
    }

    /** First-token states (B, H) -> outputs (B, K). */
    public NDArray apply(ParameterStore ps, NDArray firstToken, boolean training) {
        NDArray x = dropout(firstToken, training);
        x =
                x.matMul(ps.getValue(denseWeight, x.getDevice(), training))
                        .add(ps.getValue(denseBias, x.getDevice(), training))
                        .tanh();
        x = dropout(x, training);
        return x.matMul(ps.getValue(outWeight, x.getDevice(), training))
                .add(ps.getValue(outBias, x.getDevice(), training));
    }

    private NDArray dropout(NDArray x, boolean training) {
        return training && dropout > 0 ? Dropout.dropout(x, dropout, true).head() : x;
    }
}
