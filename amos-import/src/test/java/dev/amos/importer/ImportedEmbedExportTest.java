package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.amos.eval.serve.ModelExporter;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.importer.ReferenceFixtures.Case;
import dev.amos.importer.ReferenceFixtures.Reference;
import dev.amos.model.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The imported folder through {@code amos embed} (TextEmbedder) and {@code amos export}
 * (TorchScript loaded by plain DJL Criteria): cls and mean vectors equal the ones the reference's
 * hidden states give (cls: the {@code <s>} state; mean: the average over the text's tokens).
 */
class ImportedEmbedExportTest {

    static final float TOLERANCE = 1e-4f;

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void embedAndExportGiveTheReferenceVectors(String name) throws Exception {
        Path from = ReferenceFixtures.folder(name);
        Reference ref = ReferenceFixtures.reference(from);
        Path model = tmp.resolve("model");
        ReleasedModelImporter.run(from, model, s -> {});
        List<Case> untruncated = new ArrayList<>();
        for (Case c : ref.singles()) {
            if (c.ids().length
                    < ref.maxLength()) { // the reference's hidden states are of 64-token inputs
                untruncated.add(c);
            }
        }
        assertTrue(untruncated.size() >= 6, "texts: " + untruncated.size());
        List<String> texts = untruncated.stream().map(Case::textA).toList();
        for (Pooling pooling : Pooling.values()) {
            float[][] expected =
                    untruncated.stream()
                            .map(c -> pool(c.hidden(), pooling))
                            .toArray(float[][]::new);
            try (TextEmbedder embedder = TextEmbedder.load(model, pooling, false)) {
                assertClose(expected, embedder.embed(texts), name + " embed " + pooling);
            }
            Path export = tmp.resolve("export-" + pooling);
            ModelExporter.exportTorchScript(model, export, pooling, false, false);
            try (TextEmbedder exported = TextEmbedder.load(export, pooling, false)) {
                assertClose(
                        expected, exported.embed(texts), name + " embed of the export " + pooling);
            }
            assertClose(
                    expected,
                    viaCriteria(export, untruncated),
                    name + " DJL Criteria on the export " + pooling);
        }
    }

    /** Plain DJL: the reference's ids padded with pad id 1 and mask 0 in, the pooled output out. */
    private static float[][] viaCriteria(Path export, List<Case> cases) throws Exception {
        int longest = cases.stream().mapToInt(c -> c.ids().length).max().orElse(1);
        long[][] ids = new long[cases.size()][longest];
        long[][] mask = new long[cases.size()][longest];
        for (int i = 0; i < cases.size(); i++) {
            Arrays.fill(ids[i], FairseqDictionary.PAD);
            System.arraycopy(cases.get(i).ids(), 0, ids[i], 0, cases.get(i).ids().length);
            Arrays.fill(mask[i], 0, cases.get(i).ids().length, 1L);
        }
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(export)
                        .optEngine("PyTorch")
                        .build();
        try (ZooModel<NDList, NDList> m = criteria.loadModel();
                Predictor<NDList, NDList> predictor = m.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDList out = predictor.predict(new NDList(manager.create(ids), manager.create(mask)));
            float[] flat = out.get(1).toFloatArray();
            int h = (int) out.get(1).getShape().get(1);
            float[][] r = new float[cases.size()][];
            for (int i = 0; i < r.length; i++) {
                r[i] = Arrays.copyOfRange(flat, i * h, (i + 1) * h);
            }
            return r;
        }
    }

    private static float[] pool(float[][] hidden, Pooling pooling) {
        if (pooling == Pooling.CLS) {
            return hidden[0].clone();
        }
        float[] mean = new float[hidden[0].length];
        for (float[] row : hidden) {
            for (int k = 0; k < row.length; k++) {
                mean[k] += row[k] / hidden.length;
            }
        }
        return mean;
    }

    private static void assertClose(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                assertEquals(
                        expected[i][k], actual[i][k], TOLERANCE, what + " text " + i + " dim " + k);
            }
        }
    }
}
