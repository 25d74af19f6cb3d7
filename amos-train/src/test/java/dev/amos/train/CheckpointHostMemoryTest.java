package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import dev.amos.model.BlockFiles;
import dev.amos.model.HostCopies;
import dev.amos.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints keep no host copy of the weights or moments. On a GPU, DJL copies each array to the
 * host to save it, into a sub-manager of the array's own manager; this test forces that copy on the
 * CPU ({@link HostCopies#copyOnCpuForTests}) and counts the arrays attached to the model's and the
 * optimizer's managers across five checkpoints.
 */
class CheckpointHostMemoryTest {

    @AfterEach
    void stopCopying() {
        HostCopies.copyOnCpuForTests(false);
    }

    @Test
    void fiveCheckpointsLeaveTheArrayCountOfModelAndOptimizerUnchanged(@TempDir Path run)
            throws IOException {
        HostCopies.copyOnCpuForTests(true);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(8).build())
                            .add(LayerNorm.builder().build())
                            .add(Linear.builder().setUnits(1).build());
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 4));
            try (AdamW adamW = AdamW.builder(block.getParameters()).build()) {
                trainOneStep(manager, block, adamW);
                // every manager of the process hangs below the engine's system manager: this counts
                // the model's, the optimizer's (its moments live in a base manager of their own)
                // and any other
                BaseNDManager all = (BaseNDManager) manager.getParentManager();
                int before = all.getManagedArrays().size();
                assertTrue(before >= 3 * 6, "weights and two moments of 6 parameters: " + before);
                for (long step = 1; step <= 5; step++) {
                    Checkpoints.save(
                            run,
                            step,
                            2,
                            dir -> {
                                Checkpoints.saveModel(block, dir);
                                adamW.saveState(dir.resolve(Checkpoints.OPTIMIZER));
                            });
                    assertEquals(
                            before,
                            all.getManagedArrays().size(),
                            "arrays after checkpoint " + step);
                }
                assertEquals(before, all.getManagedArrays().size());
                // the saved weights are the model's: loading them back into a fresh block gives the
                // same values
                Block copy =
                        new SequentialBlock()
                                .add(Linear.builder().setUnits(8).build())
                                .add(LayerNorm.builder().build())
                                .add(Linear.builder().setUnits(1).build());
                copy.initialize(manager, DataType.FLOAT32, new Shape(2, 4));
                BlockFiles.load(
                        copy,
                        manager,
                        Checkpoints.root(run).resolve("step-5").resolve(Checkpoints.MODEL));
                for (int i = 0; i < block.getParameters().size(); i++) {
                    NDArray a = block.getParameters().valueAt(i).getArray();
                    NDArray b = copy.getParameters().valueAt(i).getArray();
                    assertTrue(a.contentEquals(b), block.getParameters().keyAt(i));
                    assertEquals(
                            a.getManager(),
                            manager,
                            "the weights went back to the model's manager");
                }
            }
        }
    }

    private static void trainOneStep(NDManager manager, Block block, AdamW adamW) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray x = step.randomNormal(new Shape(2, 4));
            NDArray loss =
                    block.forward(
                                    new ai.djl.training.ParameterStore(step, false),
                                    new ai.djl.ndarray.NDList(x),
                                    true)
                            .singletonOrThrow()
                            .square()
                            .sum();
            collector.backward(loss);
        }
        adamW.setStep(adamW.stepCount() + 1);
        for (Pair<String, Parameter> pair : block.getParameters()) {
            NDArray weight = pair.getValue().getArray();
            adamW.update(pair.getValue().getId(), weight, weight.getGradient());
        }
    }
}
