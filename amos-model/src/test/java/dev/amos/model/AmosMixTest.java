package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The mixture of the K layers' stacked logits, computed as one batched product over a strided view,
 * against its definition: mixed[i, v] = sum_k gamma[i, k] logits_k[i, v], where logits_k is rows k
 * M .. (k + 1) M - 1 of the stack.
 */
class AmosMixTest {

    @Test
    void batchedMixtureEqualsTheSumOverLayersRowByRow() {
        int k = 3, m = 7, v = 11;
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray stacked = nd.randomNormal(new Shape((long) k * m, v));
            NDArray gamma = nd.randomUniform(0f, 1f, new Shape(m, k)).softmax(-1);
            float[] mixed = Amos.mix(stacked, gamma).toFloatArray();
            float[] l = stacked.toFloatArray();
            float[] g = gamma.toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int w = 0; w < v; w++) {
                    double expected = 0;
                    for (int layer = 0; layer < k; layer++) {
                        expected += g[i * k + layer] * l[(layer * m + i) * v + w];
                    }
                    assertEquals(expected, mixed[i * v + w], 1e-5, "row " + i + ", token " + w);
                }
            }
            // one layer: the weights scale the logits
            NDArray single = stacked.get("0:{}", m);
            NDArray one = nd.ones(new Shape(m, 1)).mul(0.5f);
            float[] half = Amos.mix(single, one).toFloatArray();
            float[] s = single.toFloatArray();
            for (int i = 0; i < s.length; i++) {
                assertEquals(0.5f * s[i], half[i], 0f);
            }
        }
    }
}
