package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.amos.eval.serve.OnnxExporter;
import dev.amos.importer.ReferenceFixtures.Case;
import dev.amos.importer.ReferenceFixtures.Reference;
import dev.amos.model.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code amos import} of a released-layout folder, then {@code amos export --format onnx}, run by
 * ONNX Runtime on the reference's own token ids (one padded batch of singles, one of pairs, pad id
 * 1 with mask 0): {@code last_hidden_state} at the non-pad positions equals the hidden states
 * Microsoft's {@code AMOSModel} computed ({@code reference.json}) within 1e-4.
 */
class ImportedOnnxExportTest {

    static final float TOLERANCE = 1e-4f;

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void onnxExportReproducesTheReferenceHiddenStates(String name) throws Exception {
        Path from = ReferenceFixtures.folder(name);
        Reference ref = ReferenceFixtures.reference(from);
        Path model = tmp.resolve("model");
        ReleasedModelImporter.run(from, model, s -> {});
        OnnxExporter.OnnxFolder folder =
                OnnxExporter.exportEncoder(
                        model, tmp.resolve("onnx"), Pooling.MEAN, false, 0, false, false);
        try (OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession session =
                        env.createSession(
                                folder.modelFile().toString(), new OrtSession.SessionOptions())) {
            for (List<Case> cases : List.of(ref.singles(), ref.pairs())) {
                assertTrue(cases.size() >= 3, name + ": cases " + cases.size());
                float[][][] hidden = run(env, session, cases);
                float worst = 0;
                for (int i = 0; i < cases.size(); i++) {
                    float[][] expected = cases.get(i).hidden();
                    assertEquals(cases.get(i).ids().length, expected.length);
                    for (int t = 0; t < expected.length; t++) {
                        for (int j = 0; j < expected[t].length; j++) {
                            worst = Math.max(worst, Math.abs(expected[t][j] - hidden[i][t][j]));
                        }
                    }
                }
                assertTrue(worst <= TOLERANCE, name + ": max |ONNX - reference| " + worst);
            }
        }
    }

    private static float[][][] run(OrtEnvironment env, OrtSession session, List<Case> cases)
            throws Exception {
        int longest = cases.stream().mapToInt(c -> c.ids().length).max().orElseThrow();
        long[][] ids = new long[cases.size()][longest];
        long[][] mask = new long[cases.size()][longest];
        for (int i = 0; i < cases.size(); i++) {
            Arrays.fill(ids[i], FairseqDictionary.PAD);
            System.arraycopy(cases.get(i).ids(), 0, ids[i], 0, cases.get(i).ids().length);
            Arrays.fill(mask[i], 0, cases.get(i).ids().length, 1L);
        }
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            OnnxTensor idTensor = OnnxTensor.createTensor(env, ids);
            tensors.add(idTensor);
            OnnxTensor maskTensor = OnnxTensor.createTensor(env, mask);
            tensors.add(maskTensor);
            try (OrtSession.Result result =
                    session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor))) {
                return (float[][][]) result.get(0).getValue();
            }
        } finally {
            tensors.forEach(OnnxTensor::close);
        }
    }
}
