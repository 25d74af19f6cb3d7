package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Encoder#encode} outside training frees each layer's intermediates before the next layer
 * runs (amos embed of amos-base once held every layer's attention arrays at once: over 24 GB at 32
 * x 512 tokens), and computes exactly what the layer-by-layer path computes.
 */
class EncoderInferenceMemoryTest {

    @Test
    void inferenceLeavesTheSameArraysWhateverTheDepthAndEqualsTheLayerPath() {
        assertEquals(
                liveArraysAfterEncode(2),
                liveArraysAfterEncode(6),
                "arrays alive after encode grow with the number of layers: intermediates are kept");
    }

    /** The arrays open on {@code m} and its sub-managers, by identity. */
    private static Set<NDArray> open(NDManager m) {
        Set<NDArray> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        arrays.addAll(((BaseNDManager) m).getManagedArrays());
        return arrays;
    }

    /** Arrays opened by encode and still open (inside the caller's scope), for a depth. */
    private static int liveArraysAfterEncode(int layers) {
        EncoderConfig c =
                new EncoderConfig(
                        200, 16, 24, layers, 2, 48, 32, 32, 128, 0.1f, 0.1f, 1e-5f, 0.02f);
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder encoder = Encoder.owning(c);
            encoder.initialize(m, DataType.FLOAT32, new Shape(1, 9));
            try (NDManager batchManager = m.newSubManager();
                    NDScope scope = new NDScope()) {
                TinyBatch batch = TinyBatch.of(batchManager, c.vocabSize(), 12, 3, 12, 7, 9);
                ParameterStore ps = new ParameterStore(batchManager, false);
                Set<NDArray> before = open(m);
                NDArray hidden = encoder.encode(ps, batch.originalIds, batch.attentionMask, false);
                Set<NDArray> after = open(m);
                after.removeAll(before);
                int live = after.size();
                List<NDArray> path =
                        encoder.layers(
                                ps,
                                encoder.embed(
                                        ps, encoder.lookup(ps, batch.originalIds, false), false),
                                batch.attentionMask,
                                false,
                                Set.of());
                assertEquals(
                        0f,
                        hidden.sub(path.get(path.size() - 1)).abs().max().getFloat(),
                        "depth " + layers);
                return live;
            }
        }
    }
}
