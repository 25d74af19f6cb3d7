package dev.amos.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Child process of {@link GemmFastPathTest}: writes this process's {@link GemmPath} name, then the
 * float results of the GEMM shapes of a training step (square, the vocabulary projection, batched
 * attention products, a backward pass through two products) on inputs from a fixed seed.
 */
public final class GemmProbe {

    private GemmProbe() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Random random = new Random(20220125L);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
                DataOutputStream o = new DataOutputStream(Files.newOutputStream(out))) {
            o.writeUTF(GemmPath.current().name());
            write(o, input(m, random, 256, 256).matMul(input(m, random, 256, 256)));
            write(o, input(m, random, 77, 128).matMul(input(m, random, 128, 30522)));
            write(o, input(m, random, 4 * 2, 128, 64).matMul(input(m, random, 4 * 2, 64, 128)));
            NDArray x = input(m, random, 96, 256);
            NDArray w1 = input(m, random, 256, 1024);
            NDArray w2 = input(m, random, 1024, 256);
            w1.setRequiresGradient(true);
            w2.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = Activation.relu(x.matMul(w1)).matMul(w2);
                gc.backward(y.square().mean());
            }
            write(o, w1.getGradient());
            write(o, w2.getGradient());
        }
    }

    private static NDArray input(NDManager m, Random random, long... shape) {
        Shape s = new Shape(shape);
        float[] v = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return m.create(v, s);
    }

    private static void write(DataOutputStream o, NDArray a) throws IOException {
        float[] v = a.toFloatArray();
        o.writeInt(v.length);
        for (float f : v) {
            o.writeFloat(f);
        }
    }
}
