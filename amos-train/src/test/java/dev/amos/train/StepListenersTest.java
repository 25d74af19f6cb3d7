package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.PretrainOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners read one StepRecord: their order does not change what they write. */
class StepListenersTest {

    @TempDir Path dir;

    /** A record of step 10 of 20 with real on-device statistics (K = 2 heads, M = 3, V = 5). */
    private static StepRecord record(NDManager m, StepRecord.ValidLosses valid) {
        NDArray labels = m.create(new long[] {1, 2, 3});
        PretrainOutput out =
                new PretrainOutput(
                        m.randomNormal(new Shape(6, 5)), // K = 2 heads stacked
                        labels,
                        m.randomNormal(new Shape(2, 4)),
                        m.create(new float[] {1, 0, 1, 1, 1, 1, 0, 1}, new Shape(2, 4)),
                        m.create(new long[] {1, 1, 1, 0, 1, 1, 1, 1}, new Shape(2, 4)),
                        m.create(new float[] {0.2f, 0.8f, 0.5f, 0.5f, 0.9f, 0.1f}, new Shape(3, 2)),
                        m.create(new long[] {1, 4, 3}));
        PretrainOutput.Losses terms = out.losses(50f);
        NDArray atMask =
                m.create(
                        new float[] {
                            1, 0, 1
                        }); // positions 0 and 2 hold [MASK], position 1 was kept
        StepStats stats =
                StepStats.collect(out, terms, terms.total(), m.create(1.5f), atMask, true, m);
        double tokensPerSecond =
                new Throughput(100, 0, 0).close(10, 12.5); // 10 steps x 100 tokens / 12.5 s
        return new StepRecord(10, 20, 4e-4f, false, 0, 12.5, tokensPerSecond, true, stats, valid);
    }

    private JsonObject run(List<StepListener> order, StepRecord step) throws IOException {
        order.forEach(l -> l.onTrainingBegin(null));
        order.forEach(l -> l.onStep(null, step));
        order.forEach(l -> l.onTrainingEnd(null));
        JsonObject line =
                JsonParser.parseString(Files.readAllLines(dir.resolve("metrics.jsonl")).get(0))
                        .getAsJsonObject();
        line.remove("rss_mb");
        Files.delete(dir.resolve("metrics.jsonl"));
        return line;
    }

    @Test
    void metricsAndProgressWriteTheSameWhicheverRunsFirst() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            StepRecord step = record(m, new StepRecord.ValidLosses(9.5, 9.25, 0.7, 0.65));
            ByteArrayOutputStream barA = new ByteArrayOutputStream();
            ByteArrayOutputStream barB = new ByteArrayOutputStream();
            JsonObject metricsFirst =
                    run(
                            List.of(
                                    new MetricsLogger(dir.resolve("metrics.jsonl"), 0),
                                    new ProgressListener(0, 20, new PrintStream(barA, true))),
                            step);
            JsonObject progressFirst =
                    run(
                            List.of(
                                    new ProgressListener(0, 20, new PrintStream(barB, true)),
                                    new MetricsLogger(dir.resolve("metrics.jsonl"), 0)),
                            step);
            assertEquals(metricsFirst, progressFirst);
            String a = barA.toString(StandardCharsets.UTF_8);
            assertTrue(a.contains("loss ") && a.contains("rtd-acc") && a.contains("80 tok/s"), a);
            assertEquals(
                    a.replaceAll("elapsed [0-9:]+|[0-9.]+ it/s", ""),
                    barB.toString(StandardCharsets.UTF_8)
                            .replaceAll("elapsed [0-9:]+|[0-9.]+ it/s", ""));
            assertEquals(10, metricsFirst.get("step").getAsLong());
            assertEquals(step.stats().read().loss(), metricsFirst.get("loss").getAsFloat());
            assertEquals(
                    80.0,
                    metricsFirst.get("tokens_per_second").getAsDouble(),
                    1e-9,
                    "10 steps x 100 tokens / 12.5 s");
            assertEquals(9.5, metricsFirst.get("valid_mlm_loss").getAsDouble());
            assertEquals(9.25, metricsFirst.get("valid_mlm_loss_at_mask").getAsDouble());
            assertEquals(0.65, metricsFirst.get("valid_rtd_loss_constant").getAsDouble());
            // 7 non-pad tokens, 5 of them original: H(5/7); counting the pad token would give
            // H(6/8)
            double q = 5.0 / 7;
            assertEquals(
                    -(q * Math.log(q) + (1 - q) * Math.log(1 - q)),
                    metricsFirst.get("rtd_loss_constant").getAsDouble(),
                    1e-5);
            for (int k = 0;
                    k < 2;
                    k++) { // 2 [MASK] positions and 1 kept: the mean over all 3 is their weighted
                // mean
                double all = metricsFirst.getAsJsonArray("mlm_loss").get(k).getAsDouble();
                double atMask =
                        metricsFirst.getAsJsonArray("mlm_loss_at_mask").get(k).getAsDouble();
                double kept = metricsFirst.getAsJsonArray("mlm_loss_kept").get(k).getAsDouble();
                assertEquals(all, (2 * atMask + kept) / 3, 1e-5, "head " + k);
                assertTrue(
                        Math.abs(atMask - kept) > 1e-4,
                        "random logits: the two position sets differ, head " + k);
            }
            assertEquals(2, metricsFirst.getAsJsonArray("mixture_weights").size());
            assertSame(
                    step.stats().read(),
                    step.stats().read(),
                    "read from the device once, then cached");
        }
    }

    @Test
    void throughputIsMeasuredFromOneLoggedStepToTheNext() {
        Throughput t = new Throughput(100, 40, 30.0); // resumed at step 40 after 30 s
        assertEquals(
                50.0,
                t.close(50, 50.0),
                1e-9,
                "10 steps x 100 tokens in the 20 s since the resume");
        assertEquals(200.0, t.close(60, 55.0), 1e-9, "the next window starts at step 50");
        assertEquals(0.0, t.close(70, 55.0), "no time passed");
    }

    @Test
    void theTrainerHandsStepListenersTheRecordAndNoListenerAFakedBatch() {
        AtomicInteger stockBatches = new AtomicInteger();
        TrainingListener stock =
                new TrainingListenerAdapter() { // a DJL listener that reads BatchData
                    @Override
                    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                        stockBatches.incrementAndGet();
                    }
                };
        List<StepRecord> seen = new ArrayList<>();
        StepListener mine =
                new StepListener() {
                    @Override
                    protected void onStep(Trainer trainer, StepRecord step) {
                        seen.add(step);
                    }
                };
        try (NDManager m = NDManager.newBaseManager();
                Model model = Model.newInstance("listeners")) {
            model.setBlock(Linear.builder().setUnits(1).build());
            try (Trainer trainer =
                    model.newTrainer(
                            new DefaultTrainingConfig(Loss.l2Loss())
                                    .addTrainingListeners(stock, mine))) {
                StepRecord step = record(m, null);
                StepListener.notifyStep(trainer, step);
                assertEquals(List.of(step), seen);
                assertEquals(
                        0,
                        stockBatches.get(),
                        "DJL's onTrainingBatch is never called with a batch that is not one");
            }
        }
    }
}
