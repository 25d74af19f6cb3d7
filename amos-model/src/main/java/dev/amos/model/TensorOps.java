package dev.amos.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * Tensor surgery used by the pretraining forward pass and the losses, in one place (as
 * google-research/electra's {@code pretrain_helpers.py}): gather and scatter of masked rows, Gumbel
 * noise, masked cross-entropy and binary cross-entropy.
 */
public final class TensorOps {

    private TensorOps() {}

    /**
     * Rows {@code flatPositions} (M,) of {@code x} (B, S, D) taken as a (B*S, D) matrix: (M, D).
     */
    public static NDArray gatherRows(NDArray x, NDArray flatPositions) {
        Shape s = x.getShape();
        return x.reshape(s.get(0) * s.get(1), s.get(2)).get(flatPositions);
    }

    /**
     * {@code x} (B, S, D) with rows {@code flatPositions} (M,) of its (B*S, D) view replaced by
     * {@code rows} (M, D). Differentiable in both: the gradient of a replaced row of x is 0 and
     * flows to {@code rows} instead.
     */
    public static NDArray scatterRows(NDArray x, NDArray flatPositions, NDArray rows) {
        Shape s = x.getShape();
        long d = s.get(2);
        NDArray index = flatPositions.reshape(-1, 1).repeat(1, d);
        return x.reshape(s.get(0) * s.get(1), d).scatter(index, rows, 0).reshape(s);
    }

    /** {@code ids} (B, S) with the flat positions (M,) set to {@code values} (M,); no gradient. */
    public static NDArray scatterIds(NDArray ids, NDArray flatPositions, NDArray values) {
        return ids.flatten()
                .scatter(flatPositions, values.toType(ids.getDataType(), false), 0)
                .reshape(ids.getShape());
    }

    /** Standard Gumbel noise -log(-log(U)), U ~ Uniform(0, 1), float32. */
    public static NDArray gumbelNoise(NDManager manager, Shape shape, Device device) {
        return gumbelNoise(
                manager, shape, device, 1f); // x(-1) is exact: the same bits as a negation
    }

    /**
     * Gumbel noise divided by {@code temperature}, -log(-log(U)) / temperature: the last negation
     * is the scaling, in place (the noise needs no gradient), so a temperature costs no pass.
     */
    public static NDArray gumbelNoise(
            NDManager manager, Shape shape, Device device, float temperature) {
        NDArray u = manager.randomUniform(1e-10f, 1f, shape, DataType.FLOAT32, device);
        return u.log().negi().log().muli(ScalarConstants.of(u, -1.0 / temperature));
    }

    /** A sample per row from softmax(logits) by the Gumbel-max trick (no gradient). */
    public static NDArray gumbelMax(NDArray logits) {
        NDArray z = logits.stopGradient().toType(DataType.FLOAT32, false);
        return z.add(gumbelNoise(z.getManager(), z.getShape(), z.getDevice())).argMax(-1);
    }

    /** Mean cross-entropy of logits (M, V) against int64 labels (M,). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return targetLogProbabilities(logits, labels).mean().neg();
    }

    /**
     * The log-probability of each row's label, {@code log softmax(logits)[i, labels[i]]}: (M, 1)
     * for logits (M, V) and int64 labels (M,). {@link #crossEntropy} is minus its mean.
     */
    public static NDArray targetLogProbabilities(NDArray logits, NDArray labels) {
        NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
        return logp.gather(labels.reshape(-1, 1), 1);
    }

    /**
     * Minus the weighted mean of per-row log-probabilities: {@code -sum(w * logp) / sum(w)}, the
     * cross-entropy over the rows where {@code weights} (M,) is 1 (NaN when no row is). With every
     * weight 1 it equals {@link #crossEntropy} (on the CPU, where a mean is a sum divided by the
     * count, exactly).
     *
     * @param targetLogProbabilities (M, 1) or (M,), from {@link #targetLogProbabilities}
     * @param weights (M,) float32 0/1
     */
    public static NDArray weightedCrossEntropy(NDArray targetLogProbabilities, NDArray weights) {
        return targetLogProbabilities.reshape(-1).mul(weights).sum().div(weights.sum()).neg();
    }

    /**
     * Mean sigmoid binary cross-entropy of {@code logits} against 0/1 {@code labels}, over the
     * positions where {@code weights} is 1 (numerically stable form).
     */
    public static NDArray binaryCrossEntropy(NDArray logits, NDArray labels, NDArray weights) {
        NDArray z = logits.toType(DataType.FLOAT32, false);
        NDArray loss =
                z.maximum(ScalarConstants.of(z, 0f))
                        .sub(z.mul(labels))
                        .add(z.abs().neg().exp().add(ScalarConstants.of(z, 1f)).log());
        return loss.mul(weights).sum().div(weights.sum());
    }

    /** Number of scalars in all of a block's parameters. */
    public static long parameterCount(Block block) {
        return block.getParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
    }
}
