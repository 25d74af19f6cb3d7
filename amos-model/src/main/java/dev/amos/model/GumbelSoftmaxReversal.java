package dev.amos.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Straight-through Gumbel-softmax sampling followed by gradient reversal: the step that turns
 * AMOS's mixed generator logits into the discriminator's replaced tokens while sending the
 * discriminator's loss back, negated, into the mixture.
 *
 * <ul>
 *   <li>Forward: y = one_hot(argmax(logits + g)), g ~ Gumbel(0, 1): an exact sample from
 *       softmax(logits) (<a href="https://arxiv.org/abs/1611.01144">Jang et al. 2017</a>).
 *   <li>Backward: the gradient of softmax((logits + g) / tau) (straight-through estimator); tau
 *       changes the backward pass only.
 *   <li>Reversal: identity forward, gradient x(-1) backward (<a
 *       href="https://arxiv.org/abs/1409.7495">Ganin &amp; Lempitsky 2015</a>), so the mixture
 *       ascends the discriminator's loss (AMOS, <a href="https://arxiv.org/abs/2204.03243">Meng et
 *       al. 2022</a>, eq. 5).
 * </ul>
 *
 * <p>Computed in float32; no parameters (a step of {@link Amos}'s forward pass, not a block). The
 * noise comes from the engine's random generator, so {@code Engine.setRandomSeed} makes it
 * reproducible.
 */
public final class GumbelSoftmaxReversal {

    private final float tau;
    private boolean reverseGradient = true;

    /**
     * @param tau the softmax temperature of the backward pass (AMOS: 0.3)
     */
    public GumbelSoftmaxReversal(float tau) {
        if (!(tau > 0)) {
            throw new IllegalArgumentException("tau must be > 0, got " + tau);
        }
        this.tau = tau;
    }

    /**
     * @return the softmax temperature of the backward pass
     */
    public float tau() {
        return tau;
    }

    /**
     * Switches the reversal off (gradient x(+1)): a seam for the tests of this package, which
     * compare the reversed gradient with the plain one; no run switches it.
     */
    GumbelSoftmaxReversal setReverseGradient(boolean reverse) {
        this.reverseGradient = reverse;
        return this;
    }

    /**
     * The sample without materializing the one-hot: [delta (M, V), sampled ids (M,)] where delta is
     * exactly 0 in value and carries the straight-through gradient (reversed when the reversal is
     * on), so that {@code y = one_hot(sampled) + delta}. The forward pass of AMOS uses this to read
     * {@code y E} as {@code E[sampled] + delta E}: the same value and gradients as the dense
     * product, without the one-hot and the (V x M) product for E's gradient.
     */
    public NDList sampleStraightThrough(NDArray logits) {
        return sampleStraightThroughTempered(
                logits.toType(DataType.FLOAT32, false).div(ScalarConstants.of(logits, tau)));
    }

    /**
     * {@link #sampleStraightThrough} of logits already divided by tau, e.g. a mixture whose weights
     * were divided by tau ({@link Amos} does this): two passes over the (M, V) array fewer, the
     * division and its backward. The noise is divided by tau as it is made, so z = (logits + g) /
     * tau, the sample is argmax(z) = argmax(logits + g) and the straight-through gradient that of
     * softmax(z), as in {@link #sampleStraightThrough}.
     *
     * @param temperedLogits logits / tau, (M, V)
     * @return [delta (M, V), sampled ids (M,)], as {@link #sampleStraightThrough}
     */
    public NDList sampleStraightThroughTempered(NDArray temperedLogits) {
        NDArray noise =
                TensorOps.gumbelNoise(
                        temperedLogits.getManager(),
                        temperedLogits.getShape(),
                        temperedLogits.getDevice(),
                        tau);
        NDArray z = temperedLogits.toType(DataType.FLOAT32, false).add(noise);
        NDArray sampled = z.argMax(-1);
        NDArray soft = z.softmax(-1);
        // soft - stopgrad(soft) is exactly 0 in value with soft's gradient; the reversal (identity
        // forward, x(-1) backward) is the same expression with the sign flipped.
        NDArray delta =
                reverseGradient ? soft.stopGradient().sub(soft) : soft.sub(soft.stopGradient());
        return new NDList(delta, sampled);
    }
}
