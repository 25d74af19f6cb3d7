package dev.amos.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.amos.model.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Exact resume through DJL's Trainer: 3 steps, save block + optimizer, 3 more steps; a fresh model
 * and optimizer that load both must reproduce the last 3 steps bit for bit.
 */
class AdamWResumeTest {

    private static final int BATCH = 8;
    private static final int FEATURES = 5;
    private static final Shape INPUT_SHAPE = new Shape(BATCH, FEATURES);
    private static final float MAX_NORM = 0.5f;

    private final List<float[][]> batches = makeBatches(6, 2024);

    @Test
    void resumedTrainingIsBitIdentical() throws IOException, MalformedModelException {
        byte[] blockAfter3;
        byte[] optimizerAfter3;
        List<float[]> original = new ArrayList<>();
        try (Run run = new Run(null)) {
            for (int step = 0; step < 3; step++) {
                run.step(batches.get(step));
            }
            blockAfter3 = run.saveBlock();
            optimizerAfter3 = AdamWTest.save(run.adamW);
            for (int step = 3; step < 6; step++) {
                run.step(batches.get(step));
                original.add(run.weights());
            }
            assertEquals(6, run.adamW.stepCount());
        }

        List<float[]> resumed = new ArrayList<>();
        try (Run run = new Run(blockAfter3)) {
            run.adamW.loadState(
                    run.model.getNDManager(),
                    new DataInputStream(new ByteArrayInputStream(optimizerAfter3)));
            assertEquals(3, run.adamW.stepCount());
            for (int step = 3; step < 6; step++) {
                run.step(batches.get(step));
                resumed.add(run.weights());
            }
            assertEquals(6, run.adamW.stepCount());
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(original.get(i), resumed.get(i), "weights after step " + (i + 4));
        }

        // Control: without the optimizer state the same continuation diverges.
        try (Run run = new Run(blockAfter3)) {
            run.step(batches.get(3));
            assertFalse(Arrays.equals(original.get(0), run.weights()));
        }
    }

    @Test
    void stateFileIsWrittenAtomicallyAndReadBack() throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("adamw-state");
        Path file = dir.resolve("optimizer.bin");
        try (Run run = new Run(null)) {
            run.step(batches.get(0));
            run.adamW.saveState(file);
            byte[] inMemory = AdamWTest.save(run.adamW);
            assertArrayEquals(inMemory, Files.readAllBytes(file));
            assertFalse(Files.exists(dir.resolve("optimizer.bin.tmp")));
            try (Run other = new Run(null)) {
                other.adamW.loadState(other.model.getNDManager(), file);
                assertArrayEquals(inMemory, AdamWTest.save(other.adamW));
            }
            Files.write(file, Arrays.copyOf(inMemory, inMemory.length / 2));
            BadInputException error =
                    assertThrows(
                            BadInputException.class,
                            () -> run.adamW.loadState(run.model.getNDManager(), file));
            assertTrue(error.getMessage().startsWith(file.toString()), error.getMessage());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** A model, its trainer and its optimizer. */
    private static final class Run implements AutoCloseable {
        final Model model;
        final Trainer trainer;
        final AdamW adamW;
        final ParameterList params;

        Run(byte[] savedBlock) throws IOException, MalformedModelException {
            model = Model.newInstance("tiny", Device.cpu());
            Block block = newBlock();
            model.setBlock(block);
            if (savedBlock != null) {
                block.loadParameters(
                        model.getNDManager(),
                        new DataInputStream(new ByteArrayInputStream(savedBlock)));
            }
            params = block.getParameters();
            adamW =
                    AdamW.builder(params)
                            .optLearningRateTracker(LinearWarmupDecay.toZero(0.05f, 2, 10))
                            .build();
            trainer =
                    model.newTrainer(
                            new DefaultTrainingConfig(Loss.l2Loss())
                                    .optOptimizer(adamW)
                                    .optDevices(new Device[] {Device.cpu()}));
            trainer.initialize(INPUT_SHAPE);
        }

        void step(float[][] batch) {
            try (NDScope scope = new NDScope();
                    GradientCollector collector = trainer.newGradientCollector()) {
                NDManager manager = model.getNDManager();
                NDArray x = manager.create(batch[0], INPUT_SHAPE);
                NDArray y = manager.create(batch[1], new Shape(BATCH, 1));
                NDList predictions = trainer.forward(new NDList(x));
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), predictions);
                collector.backward(loss);
                NDArray norm = GradientClipping.clipGlobalNorm(params, MAX_NORM);
                assertTrue(Float.isFinite(norm.getFloat()));
            }
            adamW.setStep(adamW.stepCount() + 1);
            trainer.step();
        }

        float[] weights() {
            List<Float> all = new ArrayList<>();
            for (Pair<String, Parameter> pair : params) {
                for (float value : pair.getValue().getArray().toFloatArray()) {
                    all.add(value);
                }
            }
            float[] out = new float[all.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = all.get(i);
            }
            return out;
        }

        byte[] saveBlock() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            model.getBlock().saveParameters(new DataOutputStream(bytes));
            return bytes.toByteArray();
        }

        @Override
        public void close() {
            trainer.close();
            adamW.close();
            model.close();
        }
    }

    private static Block newBlock() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(6).build())
                .add(LayerNorm.builder().axis(1).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
    }

    private static List<float[][]> makeBatches(int count, long seed) {
        Random random = new Random(seed);
        List<float[][]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[BATCH * FEATURES];
            float[] y = new float[BATCH];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) random.nextGaussian();
            }
            for (int j = 0; j < y.length; j++) {
                y[j] = (float) random.nextGaussian() * 3f;
            }
            out.add(new float[][] {x, y});
        }
        return out;
    }
}
