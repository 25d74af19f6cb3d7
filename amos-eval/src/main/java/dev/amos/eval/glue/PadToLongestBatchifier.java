package dev.amos.eval.glue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.StackBatchifier;

/**
 * Batches variable-length token records by padding every int64 vector of a batch to the longest one
 * in that batch (not to a fixed maximum: shorter batches run faster), then stacking them into
 * {@code (batch, longest)}. The pad value is 0, which is both {@code [PAD]} and a masked position
 * in an attention mask. Arrays of any other rank or type are stacked as by {@link StackBatchifier},
 * which also provides unbatchify and split.
 */
public final class PadToLongestBatchifier extends StackBatchifier {

    private static final long serialVersionUID = 1L;

    @Override
    public NDList batchify(NDList[] inputs) {
        if (inputs.length == 0 || inputs[0].isEmpty() || !allInt64Vectors(inputs)) {
            return super.batchify(inputs);
        }
        NDList result = new NDList(inputs[0].size());
        for (int kind = 0; kind < inputs[0].size(); kind++) {
            result.add(padAndStack(inputs, kind));
        }
        return result;
    }

    private static boolean allInt64Vectors(NDList[] inputs) {
        for (NDList input : inputs) {
            if (input.size() != inputs[0].size()) {
                return false;
            }
            for (NDArray array : input) {
                if (array.getShape().dimension() != 1 || array.getDataType() != DataType.INT64) {
                    return false;
                }
            }
        }
        return true;
    }

    private static NDArray padAndStack(NDList[] inputs, int kind) {
        int longest = 0;
        for (NDList input : inputs) {
            longest = Math.max(longest, Math.toIntExact(input.get(kind).size()));
        }
        long[] padded = new long[inputs.length * longest];
        for (int row = 0; row < inputs.length; row++) {
            long[] values = inputs[row].get(kind).toLongArray();
            System.arraycopy(values, 0, padded, row * longest, values.length);
        }
        NDArray first = inputs[0].get(kind);
        NDArray stacked = first.getManager().create(padded, new Shape(inputs.length, longest));
        stacked.setName(first.getName());
        return stacked;
    }
}
