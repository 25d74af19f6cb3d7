package dev.amos.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.amos.model.PretrainOutput;
import java.util.List;

/**
 * The statistics of one training step, kept on the device as small arrays so that reading them
 * (a host sync) happens only when a listener needs a value, i.e. every {@code --log-every} steps.
 *
 * <p>Layout of the NDList handed to listeners as the step's predictions: named arrays {@code
 * loss}, {@code mlm_loss} (K,), {@code grad_norm}, and for the RTD objectives {@code rtd_loss},
 * {@code rtd_accuracy}, {@code replaced_fraction}, {@code mixture_weights} (K,).
 */
public final class StepStats {

    private StepStats() {}

    /** Collects the statistics from inside a step's NDScope and moves them to {@code keep}. */
    public static NDList collect(PretrainOutput out, NDArray loss, NDArray gradNorm, NDManager keep) {
        NDList stats = new NDList();
        add(stats, "loss", loss);
        List<NDArray> mlm = out.mlmLosses();
        add(stats, "mlm_loss", NDArrays.stack(new NDList(mlm)));
        add(stats, "grad_norm", gradNorm);
        if (out.rtdLogits() != null) {
            add(stats, "rtd_loss", out.rtdLoss());
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
        return stats;
    }

    private static void add(NDList list, String name, NDArray value) {
        NDArray copy = value.stopGradient();
        copy.setName(name);
        list.add(copy);
    }
}
