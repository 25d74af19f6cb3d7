package dev.amos.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * What one pretraining forward pass produces, and the losses and statistics computed from it.
 *
 * @param mlmLogits the logits of every MLM layer, stacked: (K M, V), rows {@code k M} to {@code (k
 *     + 1) M - 1} are layer k's (K = 1 for electra and mlm); one array, so the K losses take one
 *     log-softmax and their backward pass one (K M, V) gradient
 * @param mlmLabels the original ids (M,) at the masked positions
 * @param rtdLogits discriminator logits (B, S); null for mlm
 * @param rtdLabels 1 = original, 0 = replaced (B, S) float32; null for mlm
 * @param attentionMask (B, S), 1 for real tokens (the RTD loss ignores padding)
 * @param mixtureWeights gamma (M, K), AMOS only (fixed for its ablations); null for electra and mlm
 * @param sampled the sampled replacement ids (M,); null for mlm
 */
public record PretrainOutput(
        NDArray mlmLogits,
        NDArray mlmLabels,
        NDArray rtdLogits,
        NDArray rtdLabels,
        NDArray attentionMask,
        NDArray mixtureWeights,
        NDArray sampled) {

    /** MLM_k = mean cross-entropy over masked tokens, one scalar per MLM layer. */
    public List<NDArray> mlmLosses() {
        return means(mlmTargetLogProbabilities());
    }

    /**
     * The per-position terms the MLM losses average: {@code log p_k(original token)} at every
     * masked position, (M, 1) per MLM layer.
     */
    public List<NDArray> mlmTargetLogProbabilities() {
        int k = mlmLayerCount();
        NDArray labels = k == 1 ? mlmLabels : mlmLabels.tile(k);
        return rowBlocks(TensorOps.targetLogProbabilities(mlmLogits, labels), k);
    }

    /** K, the number of MLM layers whose logits {@link #mlmLogits} stacks. */
    public int mlmLayerCount() {
        long m = mlmLabels.getShape().get(0);
        long rows = mlmLogits.getShape().get(0);
        if (m == 0) {
            return 1;
        }
        if (rows % m != 0) {
            throw new IllegalStateException(
                    "MLM logits have " + rows + " rows, not a multiple of the " + m + " labels");
        }
        return (int) (rows / m);
    }

    /** The logits of MLM layer {@code k}, (M, V): a view of rows {@code k M .. (k + 1) M - 1}. */
    public NDArray mlmLogits(int k) {
        return rowBlocks(mlmLogits, mlmLayerCount()).get(k);
    }

    /**
     * {@code stacked} (K M, ...) as K views (M, ...); their gradients meet in one concatenation.
     */
    private static List<NDArray> rowBlocks(NDArray stacked, int k) {
        if (k == 1) {
            return List.of(stacked);
        }
        long m = stacked.getShape().get(0) / k;
        long[] starts = new long[k - 1];
        for (int i = 1; i < k; i++) {
            starts[i - 1] = i * m;
        }
        return stacked.split(starts, 0);
    }

    private static List<NDArray> means(List<NDArray> targetLogProbabilities) {
        List<NDArray> out = new ArrayList<>();
        for (NDArray lp : targetLogProbabilities) {
            out.add(lp.mean().neg()); // TensorOps.crossEntropy of the same terms
        }
        return out;
    }

    /**
     * Which masked positions hold {@code tokenId} in the network's input: (M,) float32, 1 where the
     * input token at the masked position is {@code tokenId}. With the id of {@code [MASK]} it
     * separates the positions an MLM must predict from context from those whose input was kept (or
     * replaced by a random token), whose original a network can copy.
     *
     * @param input the {@link Amos#forward} input: corrupted ids (B, S), attention mask, original
     *     ids, masked positions (M,)
     * @param tokenId the id looked for
     * @return 1/0 per masked position, in the order of the masked positions (and of the MLM labels)
     */
    public static NDArray maskedInputIs(NDList input, long tokenId) {
        NDArray atPositions = input.get(0).flatten().get(input.get(3));
        return atPositions
                .eq(ScalarConstants.of(atPositions, tokenId))
                .toType(DataType.FLOAT32, false);
    }

    /** RTD = mean sigmoid BCE over non-pad tokens; null for mlm. */
    public NDArray rtdLoss() {
        return rtdLogits == null
                ? null
                : TensorOps.binaryCrossEntropy(rtdLogits, rtdLabels, padWeights());
    }

    /**
     * The RTD loss of the best constant prediction for this batch (scalar): the binary entropy H(q)
     * = -q ln q - (1-q) ln(1-q) of the share q of non-pad tokens left original. A discriminator
     * that ignores its input can do no better than predicting q everywhere, so {@link #rtdLoss()}
     * below this value is what it has learned from the tokens; null for mlm.
     */
    public NDArray rtdConstantLoss() {
        return rtdLabels == null ? null : rtdConstantLoss(rtdLabels, padWeights());
    }

    /**
     * {@link #rtdConstantLoss()} from the RTD labels and the float pad weights (1 = real token).
     */
    public static NDArray rtdConstantLoss(NDArray rtdLabels, NDArray weights) {
        NDArray w = weights;
        NDArray q = rtdLabels.mul(w).sum().div(w.sum());
        NDArray notQ = q.neg().add(ScalarConstants.of(q, 1f));
        // 0 ln 0 = 0: the logarithms read a floored share, the factors the true one
        float floor = Float.MIN_NORMAL;
        return q.mul(q.maximum(ScalarConstants.of(q, floor)).log())
                .add(notQ.mul(notQ.maximum(ScalarConstants.of(q, floor)).log()))
                .neg();
    }

    /** loss = sum_k MLM_k + lambda RTD (AMOS eq. 6; the sum over heads, not the mean). */
    public NDArray loss(float rtdWeight) {
        return losses(rtdWeight).total();
    }

    /**
     * The loss and its terms, each computed once (the training loop logs the terms of the loss it
     * trains on instead of a second set of (masked tokens x vocabulary) log-softmaxes).
     *
     * @param mlm MLM_k per MLM layer
     * @param rtd the RTD loss; null for mlm
     * @param total sum_k MLM_k + lambda RTD
     * @param mlmTargetLogProbabilities the per-position terms MLM_k averages, (M, 1) per MLM layer
     *     ({@link #mlmTargetLogProbabilities()})
     */
    public record Losses(
            List<NDArray> mlm,
            NDArray rtd,
            NDArray total,
            List<NDArray> mlmTargetLogProbabilities) {

        /**
         * The MLM loss of each MLM layer over part of the masked positions, from the terms the loss
         * was computed from (no second log-softmax): {@code -sum(w log p) / sum(w)}, NaN when no
         * position has weight 1. With {@link #maskedInputIs} and the {@code [MASK]} id, the loss at
         * {@code [MASK]} positions; with every weight 1, {@code mlm} itself.
         *
         * @param weights (M,) float32 0/1
         * @return one scalar per MLM layer
         */
        public List<NDArray> mlmWhere(NDArray weights) {
            List<NDArray> out = new ArrayList<>();
            for (NDArray lp : mlmTargetLogProbabilities) {
                out.add(TensorOps.weightedCrossEntropy(lp, weights));
            }
            return out;
        }
    }

    /** {@link #loss} with its terms. */
    public Losses losses(float rtdWeight) {
        List<NDArray> terms = mlmTargetLogProbabilities();
        List<NDArray> mlm = means(terms);
        NDArray total = null;
        for (NDArray l : mlm) {
            total = total == null ? l : total.add(l);
        }
        NDArray rtd = rtdLoss();
        return new Losses(
                mlm,
                rtd,
                rtd == null ? total : total.add(rtd.mul(ScalarConstants.of(rtd, rtdWeight))),
                terms);
    }

    /** Share of non-pad tokens whose RTD prediction is right (scalar); null for mlm. */
    public NDArray rtdAccuracy() {
        if (rtdLogits == null) {
            return null;
        }
        NDArray predicted =
                rtdLogits.gt(ScalarConstants.of(rtdLogits, 0f)).toType(DataType.FLOAT32, false);
        NDArray w = padWeights();
        return predicted.eq(rtdLabels).toType(DataType.FLOAT32, false).mul(w).sum().div(w.sum());
    }

    /** Share of masked tokens whose sample differs from the original (scalar); null for mlm. */
    public NDArray replacedFraction() {
        return sampled == null
                ? null
                : sampled.neq(mlmLabels).toType(DataType.FLOAT32, false).mean();
    }

    /** Mean gamma per MLM layer over masked tokens (K,); null for electra and mlm. */
    public NDArray meanMixtureWeights() {
        return mixtureWeights == null ? null : mixtureWeights.mean(new int[] {0});
    }

    private NDArray padWeights() {
        return attentionMask.toType(DataType.FLOAT32, false);
    }

    /** As a named NDList (what the {@link Amos} block returns to DJL's Trainer). */
    public NDList toList() {
        NDList list = new NDList();
        list.add(named(mlmLogits, "mlm_logits"));
        list.add(named(mlmLabels, "mlm_labels"));
        list.add(named(attentionMask, "attention_mask"));
        if (rtdLogits != null) {
            list.add(named(rtdLogits, "rtd_logits"));
            list.add(named(rtdLabels, "rtd_labels"));
            list.add(named(sampled, "sampled"));
            if (mixtureWeights != null) {
                list.add(named(mixtureWeights, "mixture_weights"));
            }
        }
        return list;
    }

    /** The inverse of {@link #toList()}. */
    public static PretrainOutput fromList(NDList list) {
        return new PretrainOutput(
                list.get("mlm_logits"),
                list.get("mlm_labels"),
                find(list, "rtd_logits"),
                find(list, "rtd_labels"),
                list.get("attention_mask"),
                find(list, "mixture_weights"),
                find(list, "sampled"));
    }

    private static NDArray find(NDList list, String name) {
        return list.contains(name) ? list.get(name) : null;
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }
}
