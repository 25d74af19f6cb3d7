package dev.amos.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One masked batch on the host, as {@link Masker} returns it: row-major (B, S) arrays and the
 * selected positions. {@link #toNDList} is the batch's only host-to-device copy.
 *
 * @param corrupted input ids with the selected positions replaced
 * @param attention 1 for real positions, 0 for padding
 * @param original the ids before masking (the MLM labels)
 * @param positions the flat indices {@code b * S + s} of every selected position, ascending
 * @param batch B
 * @param length S
 */
public record MaskedBatch(
        long[] corrupted,
        long[] attention,
        long[] original,
        long[] positions,
        int batch,
        int length) {

    /**
     * Creates the {@link dev.amos.model.Amos} block's input arrays in {@code manager} (so on its
     * device), each once.
     *
     * @param manager the manager (and device) of the arrays
     * @return [corrupted ids (B, S), attention mask (B, S), original ids (B, S), masked positions
     *     (M,)], all int64
     */
    public NDList toNDList(NDManager manager) {
        Shape shape = new Shape(batch, length);
        return new NDList(
                manager.create(corrupted, shape),
                manager.create(attention, shape),
                manager.create(original, shape),
                manager.create(positions, new Shape(positions.length)));
    }
}
