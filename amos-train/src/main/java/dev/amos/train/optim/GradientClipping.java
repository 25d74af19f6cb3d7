package dev.amos.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import dev.amos.model.ScalarConstants;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Global-norm gradient clipping ({@code torch.nn.utils.clip_grad_norm_}, <a
 * href="https://arxiv.org/abs/1211.5063">Pascanu et al. 2013</a>) and the helpers a trainer needs
 * to skip steps whose gradients are not finite. DJL's {@code optClipGrad} only clips element-wise.
 *
 * <p>Call {@link #clipGlobalNorm} after the last {@code backward} of a step and before {@code
 * trainer.step()}. It never copies to the host: the scale is computed as an on-device array and
 * applied in place to each gradient ({@code getGradient()} shares storage with the gradient that
 * the optimizer reads). Reading the returned norm ({@code getFloat()}) is the only host sync; the
 * training loop reads it once per step, added to the loss, as its finite check.
 *
 * <p>Gradients are those of {@code param.getArray()}, i.e. the single-device case where the
 * trainer's parameter store uses the parameter arrays themselves (model and trainer on the same
 * device). A parameter listed twice (shared weights) is counted and scaled once.
 */
public final class GradientClipping {

    /** Added to the norm before dividing, as PyTorch does. */
    public static final float EPSILON = 1e-6f;

    private GradientClipping() {}

    /**
     * Scales all gradients in place by {@code min(1, maxNorm / (norm + 1e-6))}, where {@code norm}
     * is the L2 norm of all gradients taken together. Below the threshold the gradients are
     * multiplied by exactly 1.
     *
     * <p>The result is attached to the parameters' manager: close it, or (as in the training loop
     * of {@link AdamW}) call this inside the step's {@code NDScope}. A NaN/Inf norm means some
     * gradient is not finite; the gradients are then garbage and the step should be skipped (read
     * the norm once, {@code Float.isFinite(norm.getFloat())}, and call {@link
     * #zeroGradients(ParameterList)}).
     *
     * @param params the model's parameters (e.g. {@code block.getParameters()})
     * @param maxNorm the maximum global norm; positive
     * @return the global norm before clipping, a 0-dim float array
     */
    public static NDArray clipGlobalNorm(ParameterList params, float maxNorm) {
        if (!(maxNorm > 0f)) {
            throw new IllegalArgumentException("maxNorm must be > 0: " + maxNorm);
        }
        List<NDArray> grads = gradients(params);
        NDManager owner = grads.get(0).getManager();
        try (NDManager scratch = owner.newSubManager()) {
            grads.forEach(grad -> grad.attach(scratch));
            NDArray norm = globalNorm(grads);
            NDArray scale =
                    ScalarConstants.of(norm, maxNorm)
                            .div(norm.add(ScalarConstants.of(norm, EPSILON)))
                            .minimum(ScalarConstants.of(norm, 1f));
            for (NDArray grad : grads) {
                grad.muli(scale);
            }
            norm.attach(owner);
            return norm;
        }
    }

    /**
     * Sets every gradient to exactly 0, including NaN/Inf entries (which {@code
     * GradientCollector.zeroGradients()}, implemented as {@code g - g}, would keep). Use it when a
     * step is skipped: the optimizer, which otherwise zeroes the gradients, is then not called.
     *
     * @param params the model's parameters
     */
    public static void zeroGradients(ParameterList params) {
        List<NDArray> grads = gradients(params);
        try (NDManager scratch = grads.get(0).getManager().newSubManager()) {
            for (NDArray grad : grads) {
                grad.attach(scratch);
                grad.set(new NDIndex("..."), ScalarConstants.of(grad, 0f));
            }
        }
    }

    private static NDArray globalNorm(List<NDArray> grads) {
        NDList norms = new NDList(grads.size());
        for (NDArray grad : grads) {
            norms.add(grad.norm());
        }
        return NDArrays.stack(norms).norm();
    }

    /** One gradient view per distinct trainable parameter, attached to the parameter manager. */
    private static List<NDArray> gradients(ParameterList params) {
        List<NDArray> grads = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Pair<String, Parameter> pair : params) {
            Parameter param = pair.getValue();
            if (param.requiresGradient()
                    && param.isInitialized()
                    && param.getArray().hasGradient()
                    && seen.add(param.getId())) {
                grads.add(param.getArray().getGradient());
            }
        }
        if (grads.isEmpty()) {
            throw new IllegalArgumentException("no initialized parameter requires a gradient");
        }
        return grads;
    }
}
