package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import dev.amos.model.export.EncoderExportSpec;
import dev.amos.model.export.EncoderTorchScriptExporter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java encoder and its TorchScript export (loaded by DJL with no project code) agree. */
class EncoderExportTest {

    @Test
    void exportedArchiveReproducesTheJavaEncoderOnAPaddedBatch(@TempDir Path dir) throws Exception {
        // De 16 != H 24 covers the embedding projection
        EncoderConfig c =
                new EncoderConfig(200, 16, 24, 2, 2, 48, 32, 32, 128, 0.1f, 0.1f, 1e-5f, 0.02f);
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            Encoder encoder = Encoder.owning(c);
            encoder.initialize(m, DataType.FLOAT32, new Shape(1, 9));
            TinyBatch batch = TinyBatch.of(m, 200, 9, 8, 9, 4, 6);
            NDArray hidden =
                    encoder.encode(
                            new ParameterStore(m, false),
                            batch.originalIds,
                            batch.attentionMask,
                            false);
            EncoderExportSpec spec =
                    new EncoderExportSpec(
                            c.vocabSize(),
                            c.embeddingSize(),
                            c.hiddenSize(),
                            c.numLayers(),
                            c.numHeads(),
                            c.ffnSize(),
                            c.maxPositions(),
                            c.relPosBuckets(),
                            c.maxRelPos(),
                            c.layerNormEps(),
                            Pooling.CLS,
                            false,
                            0);
            Map<String, NDArray> weights = encoder.namedTensors();
            Path file = dir.resolve("encoder.pt");
            EncoderTorchScriptExporter.export(file, spec, weights);
            Criteria<NDList, NDList> criteria =
                    Criteria.builder()
                            .setTypes(NDList.class, NDList.class)
                            .optModelPath(file)
                            .optEngine("PyTorch")
                            .build();
            try (ZooModel<NDList, NDList> model = criteria.loadModel();
                    Predictor<NDList, NDList> p = model.newPredictor()) {
                NDList out = p.predict(new NDList(batch.originalIds, batch.attentionMask));
                float[] expected = hidden.toFloatArray();
                float[] actual = out.get(0).toFloatArray();
                long[] mask = batch.attentionMask.toLongArray();
                float worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    if (mask[i / c.hiddenSize()] == 1) {
                        worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
                    }
                }
                assertTrue(worst <= 1e-5f, "max abs difference " + worst);
                float[] cls = hidden.get(":, 0, :").toFloatArray();
                float[] pooled = out.get(1).toFloatArray();
                assertEquals(cls.length, pooled.length);
                for (int i = 0; i < cls.length; i++) {
                    assertEquals(cls[i], pooled[i], 1e-5f);
                }
            }
        }
    }
}
