package dev.amos.eval.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;
import ai.djl.util.StringPair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BadInputException;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amos export} of fine-tuned classifiers, loaded back with DJL alone (Criteria, the
 * translator factory named in serving.properties, no amos class) and compared with the predictions
 * of {@code amos eval} ({@link FineTunedModel#outputs}) on real GLUE dev examples.
 */
class ClassifierExporterTest {

    private static final int DEV_SUBSET = 40;
    private static final float TOLERANCE = 1e-4f;

    @TempDir Path dir;

    @Test
    void sst2ExportGivesEvalPredictionsThroughDjlTextClassification() throws Exception {
        List<GlueExample> dev = devSubset(GlueTask.SST_2);
        Path fineTuned =
                TinyClassifier.balance(
                        TinyClassifier.create(dir.resolve("ft"), GlueTask.SST_2, 11), dev);
        float[][] expected = evalOutputs(fineTuned, dev);
        int[] expectedLabels = FineTunedModel.labels(expected);
        assertTrue(
                Arrays.stream(expectedLabels).distinct().count() == 2,
                "the fixture predicts both labels: " + Arrays.deepToString(expected));

        ClassifierExporter.ExportedClassifier exported =
                ClassifierExporter.export(fineTuned, dir.resolve("serving"), false);
        assertEquals(List.of("0", "1"), Files.readAllLines(exported.dir().resolve("synset.txt")));
        JsonObject config =
                JsonParser.parseString(Files.readString(exported.dir().resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("1", config.getAsJsonObject("id2label").get("1").getAsString());

        Criteria<String, Classifications> criteria =
                Criteria.builder()
                        .setTypes(String.class, Classifications.class)
                        .optModelPath(exported.dir())
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<String, Classifications> model = criteria.loadModel();
                Predictor<String, Classifications> predictor = model.newPredictor()) {
            for (int i = 0; i < dev.size(); i++) {
                Classifications c = predictor.predict(dev.get(i).textA());
                if (Math.abs(expected[i][1] - expected[i][0])
                        > 1e-3) { // a tie may break either way
                    assertEquals(
                            String.valueOf(expectedLabels[i]),
                            c.best().getClassName(),
                            "example " + i);
                }
                float[] softmax = FineTunedModel.probabilities(expected[i]);
                for (int k = 0; k < softmax.length; k++) {
                    assertEquals(
                            softmax[k],
                            c.get(String.valueOf(k)).getProbability(),
                            TOLERANCE,
                            "example " + i);
                }
            }
        }
        // the batch translator pads to the longest text of the batch: same answers
        Criteria<String[], Classifications[]> batchCriteria =
                Criteria.builder()
                        .setTypes(String[].class, Classifications[].class)
                        .optModelPath(exported.dir())
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<String[], Classifications[]> model = batchCriteria.loadModel();
                Predictor<String[], Classifications[]> predictor = model.newPredictor()) {
            Classifications[] batch =
                    predictor.predict(dev.stream().map(GlueExample::textA).toArray(String[]::new));
            for (int i = 0; i < dev.size(); i++) {
                if (Math.abs(expected[i][1] - expected[i][0]) > 1e-3) {
                    assertEquals(
                            String.valueOf(expectedLabels[i]),
                            batch[i].best().getClassName(),
                            "example " + i);
                }
                assertEquals(
                        FineTunedModel.probabilities(expected[i])[1],
                        batch[i].get("1").getProbability(),
                        TOLERANCE);
            }
        }
    }

    @Test
    void pairTaskExportsGiveEvalOutputsThroughDjlCrossEncoderAndRawTensors() throws Exception {
        List<GlueExample> dev = devSubset(GlueTask.STS_B);
        Path fineTuned = TinyClassifier.create(dir.resolve("ft-stsb"), GlueTask.STS_B, 12);
        float[][] expected = evalOutputs(fineTuned, dev);
        ClassifierExporter.ExportedClassifier exported =
                ClassifierExporter.export(fineTuned, dir.resolve("stsb"), false);
        assertEquals(List.of("score"), Files.readAllLines(exported.dir().resolve("synset.txt")));
        assertTrue(
                Files.readString(exported.dir().resolve("serving.properties"))
                        .contains("translatorFactory=" + ClassifierExporter.CROSS_ENCODER_FACTORY));

        // DJL's cross-encoder translator returns sigmoid(score); the score is its logit
        Criteria<StringPair, float[]> criteria =
                Criteria.builder()
                        .setTypes(StringPair.class, float[].class)
                        .optModelPath(exported.dir())
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<StringPair, float[]> model = criteria.loadModel();
                Predictor<StringPair, float[]> predictor = model.newPredictor()) {
            for (int i = 0; i < dev.size(); i++) {
                float[] p =
                        predictor.predict(new StringPair(dev.get(i).textA(), dev.get(i).textB()));
                assertEquals(1, p.length);
                assertEquals(sigmoid(expected[i][0]), p[0], TOLERANCE, "example " + i);
            }
        }
        // raw tensors: the score itself, tokenized by the exported tokenizer.json alone
        Criteria<NDList, NDList> raw =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(exported.dir())
                        .optModelName(ClassifierExporter.MODEL_NAME)
                        .optEngine("PyTorch")
                        .build();
        try (ZooModel<NDList, NDList> model = raw.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(
                                exported.dir().resolve("tokenizer.json"),
                                Map.of(
                                        "truncation",
                                        "true",
                                        "maxLength",
                                        String.valueOf(exported.maxLength())));
                NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < dev.size(); i++) {
                NDList inputs =
                        tokenizer
                                .encode(dev.get(i).textA(), dev.get(i).textB())
                                .toNDList(manager, false);
                NDList batched =
                        new NDList(inputs.get(0).expandDims(0), inputs.get(1).expandDims(0));
                NDList out = predictor.predict(batched);
                assertArrayEquals(new long[] {1, 1}, out.get(0).getShape().getShape());
                assertEquals(
                        expected[i][0], out.get(0).toFloatArray()[0], TOLERANCE, "example " + i);
            }
        }
    }

    @Test
    void rteExportTruncatesPairsAsEval() throws Exception {
        List<GlueExample> dev =
                devSubset(GlueTask.RTE); // RTE premises are often longer than 48 tokens
        Path fineTuned = TinyClassifier.create(dir.resolve("ft-rte"), GlueTask.RTE, 13);
        float[][] expected = evalOutputs(fineTuned, dev);
        ClassifierExporter.ExportedClassifier exported =
                ClassifierExporter.export(fineTuned, dir.resolve("rte"), false);
        assertEquals(
                List.of("entailment", "not_entailment"),
                Files.readAllLines(exported.dir().resolve("synset.txt")));
        Criteria<StringPair, float[]> criteria =
                Criteria.builder()
                        .setTypes(StringPair.class, float[].class)
                        .optModelPath(exported.dir())
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<StringPair, float[]> model = criteria.loadModel();
                Predictor<StringPair, float[]> predictor = model.newPredictor()) {
            for (int i = 0; i < dev.size(); i++) {
                float[] p =
                        predictor.predict(new StringPair(dev.get(i).textA(), dev.get(i).textB()));
                assertEquals(2, p.length);
                for (int k = 0; k < 2; k++) {
                    assertEquals(
                            sigmoid(expected[i][k]),
                            p[k],
                            TOLERANCE,
                            "example " + i + " output " + k);
                }
            }
        }
    }

    @Test
    void exportedClassifierIsNotMistakenForAnEncoderAndBadFoldersFailClearly() throws Exception {
        Path fineTuned = TinyClassifier.create(dir.resolve("ft"), GlueTask.SST_2, 14);
        ClassifierExporter.ExportedClassifier exported =
                ClassifierExporter.export(fineTuned, dir.resolve("serving"), false);
        BadInputException embed =
                assertThrows(
                        BadInputException.class,
                        () -> TextEmbedder.load(exported.dir(), Pooling.MEAN, false));
        assertTrue(embed.getMessage().contains("classifier"), embed.getMessage());
        Path notFineTuned = Files.createDirectories(dir.resolve("empty"));
        BadInputException missing =
                assertThrows(
                        BadInputException.class,
                        () -> ClassifierExporter.export(notFineTuned, dir.resolve("out"), false));
        assertTrue(missing.getMessage().contains("classifier.params"), missing.getMessage());
    }

    private static List<GlueExample> devSubset(GlueTask task) throws IOException {
        Path glue = TinyRun.repoRoot().resolve("testdata/glue");
        List<GlueExample> dev = GlueReader.read(glue, task, GlueSplit.DEV);
        return dev.subList(0, Math.min(DEV_SUBSET, dev.size()));
    }

    private static float[][] evalOutputs(Path fineTuned, List<GlueExample> examples)
            throws IOException {
        try (FineTunedModel model = FineTunedModel.load(fineTuned)) {
            return model.outputs(examples, 16);
        }
    }

    private static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }
}
