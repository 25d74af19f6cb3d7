package dev.amos.eval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;
import dev.amos.model.BadInputException;
import dev.amos.model.Pooling;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amos export}: the folder loads in DJL with no project code (raw NDList Criteria, and the
 * HF text-embedding translator named in serving.properties) and gives the vectors of {@link
 * TextEmbedder} on the run.
 */
class ModelExporterTest {

    @TempDir static Path dir;

    static Path run;

    @BeforeAll
    static void createRun() throws Exception {
        run = TinyRun.create(dir.resolve("run"), 11);
    }

    @Test
    void exportedTorchScriptGivesTheRunsVectorsOnAPaddedBatch() throws Exception {
        Path out = dir.resolve("export-mean");
        ExportedFolder folder =
                ModelExporter.exportTorchScript(run, out, Pooling.MEAN, false, false);
        for (String file :
                List.of("amos-encoder.pt", "serving.properties", "tokenizer.json", "config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        assertEquals(64, folder.maxLength());
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.MEAN, false)) {
            expected = embedder.embed(TinyRun.TEXTS);
        }
        // 1. plain DJL: NDList in, (last_hidden, pooled) out; ids padded with 0, mask 0 on padding
        float[][] pooled = new float[TinyRun.TEXTS.size()][];
        Criteria<NDList, NDList> raw =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(out)
                        .optEngine("PyTorch")
                        .build();
        try (ZooModel<NDList, NDList> model = raw.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager();
                HuggingFaceTokenizer tokenizer =
                        HuggingFaceTokenizer.newInstance(
                                out.resolve("tokenizer.json"),
                                Map.of(
                                        "truncation",
                                        "true",
                                        "maxLength",
                                        "64",
                                        "padding",
                                        "longest"))) {
            Encoding[] encodings = tokenizer.batchEncode(TinyRun.TEXTS.toArray(new String[0]));
            int seq = encodings[0].getIds().length;
            long[][] ids = new long[encodings.length][];
            long[][] mask = new long[encodings.length][];
            for (int i = 0; i < encodings.length; i++) {
                ids[i] = encodings[i].getIds();
                mask[i] = encodings[i].getAttentionMask();
                assertEquals(seq, ids[i].length);
            }
            assertEquals(64, seq, "the longest text must be truncated to max_positions");
            NDList result =
                    predictor.predict(new NDList(manager.create(ids), manager.create(mask)));
            assertEquals(3, result.get(0).getShape().dimension());
            float[] flat = result.get(1).toFloatArray();
            for (int i = 0; i < pooled.length; i++) {
                pooled[i] = Arrays.copyOfRange(flat, i * 32, (i + 1) * 32);
            }
        }
        float rawDiff = TinyRun.maxAbsDiff(expected, pooled);
        assertTrue(rawDiff <= 1e-5f, "TorchScript pooled output vs TextEmbedder: " + rawDiff);

        // 2. DJL's own TextEmbeddingTranslatorFactory, configured only by serving.properties
        Criteria<String[], float[][]> hf =
                Criteria.builder()
                        .setTypes(String[].class, float[][].class)
                        .optModelPath(out)
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<String[], float[][]> model = hf.loadModel();
                Predictor<String[], float[][]> predictor = model.newPredictor()) {
            float[][] viaDjl = predictor.predict(TinyRun.TEXTS.toArray(new String[0]));
            float diff = TinyRun.maxAbsDiff(expected, viaDjl);
            assertTrue(
                    diff <= 1e-5f,
                    "DJL TextEmbeddingTranslator on the export vs TextEmbedder: " + diff);
        }

        // 3. TextEmbedder on the exported folder
        try (TextEmbedder exported = TextEmbedder.load(out, Pooling.MEAN, false)) {
            float diff = TinyRun.maxAbsDiff(expected, exported.embed(TinyRun.TEXTS));
            assertTrue(diff <= 1e-5f, "TextEmbedder on the export vs on the run: " + diff);
            assertEquals(32, exported.dimension());
        }
    }

    @Test
    void clsNormalizedExportMatchesAndServingPropertiesNameTheTranslator() throws Exception {
        Path out = dir.resolve("export-cls");
        ModelExporter.exportTorchScript(
                run.resolve("discriminator"), out, Pooling.CLS, true, false);
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(out.resolve("serving.properties"))) {
            props.load(reader);
        }
        assertEquals("PyTorch", props.getProperty("engine"));
        assertEquals("amos-encoder", props.getProperty("option.modelName"));
        assertEquals(ModelExporter.TRANSLATOR_FACTORY, props.getProperty("translatorFactory"));
        assertEquals("cls", props.getProperty("pooling"));
        assertEquals("true", props.getProperty("normalize"));
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.CLS, true)) {
            expected = embedder.embed(TinyRun.TEXTS);
        }
        Criteria<String[], float[][]> hf =
                Criteria.builder()
                        .setTypes(String[].class, float[][].class)
                        .optModelPath(out)
                        .optEngine("PyTorch")
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<String[], float[][]> model = hf.loadModel();
                Predictor<String[], float[][]> predictor = model.newPredictor()) {
            float diff =
                    TinyRun.maxAbsDiff(
                            expected, predictor.predict(TinyRun.TEXTS.toArray(new String[0])));
            assertTrue(diff <= 1e-5f, "cls + normalize via DJL vs TextEmbedder: " + diff);
        }
    }

    @Test
    void exportingSomethingThatIsNotARunIsABadInputNamingTheFolder() throws Exception {
        Path notARun = Files.createDirectories(dir.resolve("not-a-run"));
        Path out = dir.resolve("never-written");
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () ->
                                ModelExporter.exportTorchScript(
                                        notARun, out, Pooling.MEAN, false, false));
        assertTrue(e.getMessage().startsWith(notARun.toString()), e.getMessage());
        assertTrue(!Files.exists(out), "no output folder for a failed export");
    }
}
