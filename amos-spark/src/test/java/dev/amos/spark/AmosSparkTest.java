package dev.amos.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueTask;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.model.BadInputException;
import dev.amos.model.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AmosSpark} in local[2] against {@code amos embed} ({@link TextEmbedder}) and {@code amos
 * eval} ({@link FineTunedModel}).
 */
class AmosSparkTest {

    /**
     * Classifier outputs: the fixture's output layer is scaled up about a hundredfold (so that a
     * random head spreads its outputs), which scales float rounding from padding to ~3e-5 as well,
     * and to 1.0e-4 with MKL's fast GEMM kernels (AMOS_MKL_FAST=1, whose rounding depends more on
     * the batch's padded shape; docs/performance.md).
     */
    private static final float OUTPUT_TOLERANCE = 2e-4f;

    @TempDir static Path tmp;

    static SparkSession spark;
    static Path run;

    @BeforeAll
    static void start() throws Exception {
        spark = Fixtures.localSpark();
        run = Fixtures.run(tmp.resolve("run"), 7);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Rows (id, text) over 3 partitions, with a null text at id 3. */
    private static Dataset<Row> texts() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Fixtures.TEXTS.size(); i++) {
            rows.add(RowFactory.create(i, Fixtures.TEXTS.get(i)));
            if (i == 2) {
                rows.add(RowFactory.create(100, null));
            }
        }
        StructType schema =
                new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);
        return spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3),
                schema);
    }

    @Test
    void vectorsEqualAmosEmbedOnceLoadedPerJvmWithNullEmptyAndLongTexts() throws Exception {
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.MEAN, true)) {
            expected = embedder.embed(Fixtures.TEXTS);
        }
        int loadsBefore = ExecutorModels.loads();
        AmosSpark.Options options =
                AmosSpark.options()
                        .optPooling(Pooling.MEAN)
                        .optNormalize(true)
                        .optBatchSize(3)
                        .build();
        List<Row> out =
                new ArrayList<>(
                        AmosSpark.embed(texts(), "text", run.toString(), options).collectAsList());
        assertEquals(
                1,
                ExecutorModels.loads() - loadsBefore,
                "one model load for 3 partitions and 2 task threads");
        assertEquals(Fixtures.TEXTS.size() + 1, out.size());
        out.sort(Comparator.comparingInt(r -> r.getInt(0)));
        for (Row row : out) {
            int id = row.getInt(0);
            if (id == 100) {
                assertNull(row.get(1));
                assertNull(row.get(2), "a null text gets a null vector");
                continue;
            }
            assertEquals(Fixtures.TEXTS.get(id), row.getString(1));
            List<Float> vector = row.getList(2);
            float[] actual = new float[vector.size()];
            for (int j = 0; j < actual.length; j++) {
                actual[j] = vector.get(j);
            }
            float diff = Fixtures.maxAbsDiff(expected[id], actual);
            assertTrue(diff <= 1e-5f, "text " + id + " differs from amos embed by " + diff);
        }
        // the vectors are not all alike, so equality above means something
        assertTrue(Fixtures.maxAbsDiff(expected[0], expected[2]) > 1e-2);
        // cls pooling is another model instance, and another vector
        List<Row> cls =
                AmosSpark.embed(
                                texts().filter("id = 0"),
                                "text",
                                run.toString(),
                                AmosSpark.options().optPooling(Pooling.CLS).build())
                        .collectAsList();
        try (TextEmbedder embedder = TextEmbedder.load(run, Pooling.CLS, false)) {
            float[] want = embedder.embed("hello world");
            List<Float> got = cls.get(0).getList(2);
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got.get(j), 1e-5f);
            }
        }
    }

    @Test
    void modelFolderOnAnotherFileSystemIsCopiedToTheExecutors() throws Exception {
        Path remoteRun = Fixtures.run(tmp.resolve("remote-run"), 8);
        float[][] expected;
        try (TextEmbedder embedder = TextEmbedder.load(remoteRun, Pooling.MEAN, false)) {
            expected = embedder.embed(Fixtures.TEXTS);
        }
        String uri = OtherSchemeFileSystem.SCHEME + "://" + remoteRun.toAbsolutePath();
        List<Row> out =
                new ArrayList<>(
                        AmosSpark.embed(
                                        texts().filter("id < 100"),
                                        "text",
                                        uri,
                                        AmosSpark.options().build())
                                .collectAsList());
        out.sort(Comparator.comparingInt(r -> r.getInt(0)));
        assertEquals(Fixtures.TEXTS.size(), out.size());
        for (Row row : out) {
            List<Float> got = row.getList(2);
            float[] actual = new float[got.size()];
            for (int j = 0; j < actual.length; j++) {
                actual[j] = got.get(j);
            }
            assertTrue(
                    Fixtures.maxAbsDiff(expected[row.getInt(0)], actual) <= 1e-5f,
                    "text " + row.getInt(0));
        }
        BadInputException missing =
                assertThrows(
                        BadInputException.class,
                        () ->
                                AmosSpark.embed(
                                        texts(),
                                        "text",
                                        OtherSchemeFileSystem.SCHEME
                                                + "://"
                                                + tmp.resolve("nothing-here").toAbsolutePath(),
                                        AmosSpark.options().build()));
        assertTrue(missing.getMessage().contains("no such model folder"), missing.getMessage());
    }

    @Test
    void sst2PredictionsEqualAmosEval() throws Exception {
        List<GlueExample> dev = Fixtures.dev(GlueTask.SST_2, 30);
        Path ft = Fixtures.fineTuned(tmp.resolve("sst2"), GlueTask.SST_2, 21, dev);
        float[][] expected;
        try (FineTunedModel model = FineTunedModel.load(ft)) {
            expected = model.outputs(dev, 16);
        }
        int[] labels = FineTunedModel.labels(expected);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < dev.size(); i++) {
            rows.add(RowFactory.create(i, dev.get(i).textA()));
        }
        rows.add(RowFactory.create(-1, null));
        StructType schema =
                new StructType()
                        .add("id", DataTypes.IntegerType)
                        .add("sentence", DataTypes.StringType);
        Dataset<Row> input =
                spark.createDataFrame(
                        JavaSparkContext.fromSparkContext(spark.sparkContext())
                                .parallelize(rows, 2),
                        schema);
        List<Row> out =
                AmosSpark.classify(
                                input,
                                "sentence",
                                ft.toString(),
                                AmosSpark.options().optBatchSize(8).build())
                        .collectAsList();
        assertEquals(
                List.of("id", "sentence", "prediction", "score"),
                List.of(
                        AmosSpark.classify(
                                        input,
                                        "sentence",
                                        ft.toString(),
                                        AmosSpark.options().build())
                                .columns()));
        int both = 0;
        for (Row row : out) {
            int id = row.getInt(0);
            if (id < 0) {
                assertNull(row.get(2));
                assertNull(row.get(3));
                continue;
            }
            assertEquals(String.valueOf(labels[id]), row.getString(2), "example " + id);
            float probability = FineTunedModel.probabilities(expected[id])[labels[id]];
            assertEquals(probability, row.getFloat(3), OUTPUT_TOLERANCE);
            both |= 1 << labels[id];
        }
        assertEquals(3, both, "both labels are predicted");
    }

    @Test
    void stsbPairScoresEqualAmosEval() throws Exception {
        List<GlueExample> dev = Fixtures.dev(GlueTask.STS_B, 20);
        Path ft = Fixtures.fineTuned(tmp.resolve("stsb"), GlueTask.STS_B, 22, dev);
        float[][] expected;
        try (FineTunedModel model = FineTunedModel.load(ft)) {
            expected = model.outputs(dev, 16);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < dev.size(); i++) {
            rows.add(RowFactory.create(i, dev.get(i).textA(), dev.get(i).textB()));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.IntegerType)
                        .add("a", DataTypes.StringType)
                        .add("b", DataTypes.StringType);
        Dataset<Row> input = spark.createDataFrame(rows, schema);
        BadInputException noB =
                assertThrows(
                        BadInputException.class,
                        () ->
                                AmosSpark.classify(
                                        input, "a", ft.toString(), AmosSpark.options().build()));
        assertTrue(noB.getMessage().contains("second sentence column"), noB.getMessage());
        List<Row> out =
                AmosSpark.classify(
                                input,
                                "a",
                                ft.toString(),
                                AmosSpark.options().optTextBCol("b").build())
                        .collectAsList();
        for (Row row : out) {
            assertEquals(
                    expected[row.getInt(0)][0],
                    row.getFloat(3),
                    OUTPUT_TOLERANCE,
                    "example " + row.getInt(0));
        }
    }

    @Test
    void missingModelFolderFailsWithOneLineBeforeAnyTask() throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        SparkListener listener =
                new SparkListener() {
                    @Override
                    public void onTaskStart(SparkListenerTaskStart taskStart) {
                        tasks.incrementAndGet();
                    }
                };
        spark.sparkContext().addSparkListener(listener);
        try {
            Path missing = tmp.resolve("no-such-model");
            BadInputException e =
                    assertThrows(
                            BadInputException.class,
                            () ->
                                    AmosSpark.embed(
                                            texts(),
                                            "text",
                                            missing.toString(),
                                            AmosSpark.options().build()));
            assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("no such model folder"), e.getMessage());
            assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
            BadInputException notRun =
                    assertThrows(
                            BadInputException.class,
                            () ->
                                    AmosSpark.embed(
                                            texts(),
                                            "text",
                                            tmp.toString(),
                                            AmosSpark.options().build()));
            assertTrue(notRun.getMessage().contains("not a pretraining run"), notRun.getMessage());
            BadInputException column =
                    assertThrows(
                            BadInputException.class,
                            () ->
                                    AmosSpark.embed(
                                            texts(),
                                            "body",
                                            run.toString(),
                                            AmosSpark.options().build()));
            assertTrue(column.getMessage().contains("no column \"body\""), column.getMessage());
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertEquals(0, tasks.get(), "no task ran");
        } finally {
            spark.sparkContext().removeSparkListener(listener);
        }
    }
}
