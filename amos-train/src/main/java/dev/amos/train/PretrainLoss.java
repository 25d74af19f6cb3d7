package dev.amos.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.amos.model.PretrainOutput;

/**
 * The pretraining loss as a DJL {@link Loss}: {@code sum_k MLM_k + lambda * RTD} computed from the
 * {@link dev.amos.model.Amos} block's output (labels travel inside the output, so the label list is
 * unused). AMOS eq. 6, <a href="https://arxiv.org/abs/2204.03243">Meng et al. 2022</a>.
 */
public final class PretrainLoss extends Loss {

    private final float rtdWeight;

    /**
     * @param rtdWeight lambda, the weight of the discriminator's loss (50 in AMOS and ELECTRA)
     */
    public PretrainLoss(float rtdWeight) {
        super("pretrain_loss");
        this.rtdWeight = rtdWeight;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return terms(PretrainOutput.fromList(predictions)).total();
    }

    /** The loss of {@code out} with its terms (what {@link #evaluate} returns is {@code total}). */
    public PretrainOutput.Losses terms(PretrainOutput out) {
        return out.losses(rtdWeight);
    }
}
