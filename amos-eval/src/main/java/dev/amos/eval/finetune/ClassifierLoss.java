package dev.amos.eval.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.TensorOps;

/**
 * The fine-tuning loss: mean cross-entropy of the logits against the label index, or for STS-B
 * (regression) the mean squared error of output column 0 against the gold score.
 */
public final class ClassifierLoss extends Loss {

    private final boolean regression;

    /** The loss for {@code task}. */
    public ClassifierLoss(GlueTask task) {
        super(task.isRegression() ? "mse" : "cross_entropy");
        this.regression = task.isRegression();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray outputs = predictions.singletonOrThrow();
        NDArray gold = labels.singletonOrThrow();
        if (regression) {
            NDArray diff =
                    outputs.reshape(-1).sub(gold.toType(DataType.FLOAT32, false).reshape(-1));
            return diff.square().mean();
        }
        return TensorOps.crossEntropy(outputs, gold.toType(DataType.INT64, false).reshape(-1));
    }
}
