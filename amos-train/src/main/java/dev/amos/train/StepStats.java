package dev.amos.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.amos.model.PretrainOutput;
import dev.amos.model.TensorOps;

/**
 * The figures of one training step, kept on the device as small arrays until someone asks: {@link
 * #read()} copies them to the host once (a device sync) and caches the result, so however many
 * listeners read a logged step, the device is read once, and steps nobody logs are never read.
 *
 * <p>Arrays (named): {@code loss}, {@code mlm_loss} (K,), {@code grad_norm}, and for the RTD
 * objectives {@code rtd_loss}, {@code rtd_accuracy}, {@code replaced_fraction}, and for AMOS {@code
 * mixture_weights} (K,); for the RTD objectives also their labels and the attention mask, from
 * which {@link Values#rtdLossConstant()} is reduced when read. The split of the MLM loss by input
 * ({@link Values#mlmLossAtMask()}, {@link Values#mlmLossKept()}) is kept as the loss's own
 * per-position terms and the (M,) flags of which masked positions hold {@code [MASK]}, and reduced
 * only when read, so steps nobody logs pay nothing for it.
 */
public final class StepStats {

    private static final String AT_MASK = "masked_input_is_mask";
    private static final String TARGET_LOG_PROB = "mlm_target_log_prob_";
    private static final String RTD_LABELS = "rtd_labels";
    private static final String ATTENTION_MASK = "attention_mask";

    private final NDList arrays;
    private final boolean keepsTokens;
    private Values values;

    private StepStats(NDList arrays, boolean keepsTokens) {
        this.arrays = arrays;
        this.keepsTokens = keepsTokens;
    }

    /**
     * Collects the figures from inside a step's NDScope and moves them to {@code keep}.
     *
     * @param out the step's (last micro-batch's) forward output
     * @param terms the loss terms of {@code out} as the loss computed them (logged, not recomputed)
     * @param loss the loss trained on ({@code terms.total()}, or what the NaN injection of tests
     *     made of it)
     * @param gradNorm the global gradient norm before clipping (0 before the last micro-batch)
     * @param atMask (M,) 1 where the masked position's input is {@code [MASK]} ({@link
     *     PretrainOutput#maskedInputIs}), for the loss at {@code [MASK]}; null to log no split
     * @param keepsTokens whether the masking keeps or randomizes some selected tokens (then the
     *     loss at those positions is logged too)
     * @param keep the manager that outlives the scope (the step's)
     * @return the figures, unread
     */
    public static StepStats collect(
            PretrainOutput out,
            PretrainOutput.Losses terms,
            NDArray loss,
            NDArray gradNorm,
            NDArray atMask,
            boolean keepsTokens,
            NDManager keep) {
        NDList stats = new NDList();
        add(stats, "loss", loss);
        add(stats, "mlm_loss", NDArrays.stack(new NDList(terms.mlm())));
        add(stats, "grad_norm", gradNorm);
        if (atMask != null) {
            add(stats, AT_MASK, atMask);
            for (int k = 0; k < terms.mlmTargetLogProbabilities().size(); k++) {
                add(stats, TARGET_LOG_PROB + k, terms.mlmTargetLogProbabilities().get(k));
            }
        }
        if (out.rtdLogits() != null) {
            add(stats, "rtd_loss", terms.rtd());
            // the constant prediction's loss is reduced from these only when read
            add(stats, RTD_LABELS, out.rtdLabels());
            add(stats, ATTENTION_MASK, out.attentionMask());
            add(stats, "rtd_accuracy", out.rtdAccuracy());
            add(stats, "replaced_fraction", out.replacedFraction());
            if (out.mixtureWeights() != null) {
                add(stats, "mixture_weights", out.meanMixtureWeights());
            }
        }
        for (NDArray a : stats) {
            NDScope.unregister(a);
            a.attach(keep);
        }
        return new StepStats(stats, atMask != null && keepsTokens);
    }

    private static void add(NDList list, String name, NDArray value) {
        NDArray copy = value.stopGradient();
        copy.setName(name);
        list.add(copy);
    }

    /**
     * @return the loss still on the device (the loop adds it to the gradient norm for its finite
     *     check)
     */
    NDArray lossArray() {
        return arrays.get("loss");
    }

    /**
     * @return the gradient norm still on the device
     */
    NDArray gradNormArray() {
        return arrays.get("grad_norm");
    }

    /**
     * The figures on the host, read from the device at the first call (while the step's manager is
     * open) and cached.
     *
     * @return the values
     */
    public synchronized Values read() {
        if (values == null) {
            float[] atMask = null;
            float[] kept = null;
            if (arrays.contains(AT_MASK)) {
                NDArray mask = arrays.get(AT_MASK);
                atMask = lossWhere(mask);
                if (keepsTokens) {
                    kept = lossWhere(mask.onesLike().sub(mask));
                }
            }
            values =
                    new Values(
                            scalar("loss"),
                            floats("mlm_loss"),
                            atMask,
                            kept,
                            scalar("grad_norm"),
                            scalar("rtd_loss"),
                            arrays.contains(RTD_LABELS)
                                    ? PretrainOutput.rtdConstantLoss(
                                                    arrays.get(RTD_LABELS),
                                                    arrays.get(ATTENTION_MASK)
                                                            .toType(DataType.FLOAT32, false))
                                            .getFloat()
                                    : Float.NaN,
                            scalar("rtd_accuracy"),
                            scalar("replaced_fraction"),
                            floats("mixture_weights"),
                            arrays.contains("rtd_loss"));
        }
        return values;
    }

    /**
     * The MLM loss of each head over the positions of weight 1, from the loss's own per-position
     * terms.
     */
    private float[] lossWhere(NDArray weights) {
        NDList perHead = new NDList();
        for (int k = 0; arrays.contains(TARGET_LOG_PROB + k); k++) {
            perHead.add(TensorOps.weightedCrossEntropy(arrays.get(TARGET_LOG_PROB + k), weights));
        }
        return NDArrays.stack(perHead).toFloatArray();
    }

    private float scalar(String name) {
        return arrays.contains(name) ? arrays.get(name).getFloat() : Float.NaN;
    }

    private float[] floats(String name) {
        return arrays.contains(name) ? arrays.get(name).toFloatArray() : null;
    }

    /**
     * One step's figures on the host.
     *
     * @param loss {@code sum_k MLM_k + lambda RTD} (per micro-batch, the last one)
     * @param mlmLoss MLM loss per generator head (K,), over every masked position
     * @param mlmLossAtMask MLM loss per head over the masked positions whose input is {@code
     *     [MASK]} (what a network must predict from context); null when not collected
     * @param mlmLossKept MLM loss per head over the masked positions whose input was kept or
     *     replaced by a random token (a network can copy a kept one); null when the masking keeps
     *     none (AMOS) or the split was not collected, NaN when a step's batch has none
     * @param gradNorm the global gradient norm before clipping
     * @param rtdLoss the discriminator's loss; NaN for mlm
     * @param rtdLossConstant the loss of the best constant prediction for the same batch (the
     *     binary entropy of its replaced share, {@link PretrainOutput#rtdConstantLoss()}); NaN for
     *     mlm
     * @param rtdAccuracy share of right RTD predictions; NaN for mlm
     * @param replacedFraction share of masked tokens the generator replaced; NaN for mlm
     * @param mixtureWeights mean mixture weight per head (K,); null but for AMOS
     * @param hasRtd whether the objective has a discriminator (electra, amos)
     */
    public record Values(
            float loss,
            float[] mlmLoss,
            float[] mlmLossAtMask,
            float[] mlmLossKept,
            float gradNorm,
            float rtdLoss,
            float rtdLossConstant,
            float rtdAccuracy,
            float replacedFraction,
            float[] mixtureWeights,
            boolean hasRtd) {}
}
