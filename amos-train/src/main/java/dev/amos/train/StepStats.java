package dev.amos.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.amos.model.PretrainOutput;

/**
 * The figures of one training step, kept on the device as small arrays until someone asks: {@link
 * #read()} copies them to the host once (a device sync) and caches the result, so however many
 * listeners read a logged step, the device is read once, and steps nobody logs are never read.
 *
 * <p>Arrays (named): {@code loss}, {@code mlm_loss} (K,), {@code grad_norm}, and for the RTD
 * objectives {@code rtd_loss}, {@code rtd_accuracy}, {@code replaced_fraction}, and for AMOS
 * {@code mixture_weights} (K,).
 */
public final class StepStats {

    private final NDList arrays;
    private Values values;

    private StepStats(NDList arrays) {
        this.arrays = arrays;
    }

    /**
     * Collects the figures from inside a step's NDScope and moves them to {@code keep}.
     *
     * @param out the step's (last micro-batch's) forward output
     * @param terms the loss terms of {@code out} as the loss computed them (logged, not recomputed)
     * @param loss the loss trained on ({@code terms.total()}, or what the NaN injection of tests made of it)
     * @param gradNorm the global gradient norm before clipping (0 before the last micro-batch)
     * @param keep the manager that outlives the scope (the step's)
     * @return the figures, unread
     */
    public static StepStats collect(PretrainOutput out, PretrainOutput.Losses terms, NDArray loss, NDArray gradNorm,
            NDManager keep) {
        NDList stats = new NDList();
        add(stats, "loss", loss);
        add(stats, "mlm_loss", NDArrays.stack(new NDList(terms.mlm())));
        add(stats, "grad_norm", gradNorm);
        if (out.rtdLogits() != null) {
            add(stats, "rtd_loss", terms.rtd());
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
        return new StepStats(stats);
    }

    private static void add(NDList list, String name, NDArray value) {
        NDArray copy = value.stopGradient();
        copy.setName(name);
        list.add(copy);
    }

    /** @return the loss still on the device (the loop adds it to the gradient norm for its finite check) */
    NDArray lossArray() {
        return arrays.get("loss");
    }

    /** @return the gradient norm still on the device */
    NDArray gradNormArray() {
        return arrays.get("grad_norm");
    }

    /**
     * The figures on the host, read from the device at the first call (while the step's manager
     * is open) and cached.
     *
     * @return the values
     */
    public synchronized Values read() {
        if (values == null) {
            values = new Values(scalar("loss"), floats("mlm_loss"), scalar("grad_norm"), scalar("rtd_loss"),
                    scalar("rtd_accuracy"), scalar("replaced_fraction"), floats("mixture_weights"), arrays.contains("rtd_loss"));
        }
        return values;
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
     * @param mlmLoss MLM loss per generator head (K,)
     * @param gradNorm the global gradient norm before clipping
     * @param rtdLoss the discriminator's loss; NaN for mlm
     * @param rtdAccuracy share of right RTD predictions; NaN for mlm
     * @param replacedFraction share of masked tokens the generator replaced; NaN for mlm
     * @param mixtureWeights mean mixture weight per head (K,); null but for AMOS
     * @param hasRtd whether the objective has a discriminator (electra, amos)
     */
    public record Values(float loss, float[] mlmLoss, float gradNorm, float rtdLoss, float rtdAccuracy,
            float replacedFraction, float[] mixtureWeights, boolean hasRtd) {}
}
