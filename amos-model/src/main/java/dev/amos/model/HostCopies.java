package dev.amos.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Device-to-host copies made while saving, freed as soon as the save returns.
 *
 * <p>DJL 0.25 reads the bytes of a GPU array ({@code Parameter.save}, {@code NDArray.encode}) by
 * copying it to the CPU into a new sub-manager of the array's own manager, and never closes that
 * copy: each checkpoint of a GPU run would keep one host copy of every weight and moment (about 3x
 * the parameter bytes). Here the arrays are attached, for the duration of the save only, to a
 * scratch CPU manager ({@code NDArray.tempAttach}), so DJL's copies land in it and are closed with
 * it, and the arrays go back to their managers.
 *
 * <p>On the CPU DJL makes no copy at all; {@link #copyOnCpuForTests} makes this class copy anyway,
 * through the same {@code toDevice} call DJL uses, so a CPU test exercises the path a GPU run
 * takes.
 */
public final class HostCopies {

    /** What runs while the arrays are attached to the scratch manager. */
    @FunctionalInterface
    public interface Save {
        void run() throws IOException;
    }

    private static volatile boolean copyOnCpu;

    private HostCopies() {}

    /**
     * Makes every save copy each array to the host even when it is already there (as DJL does for a
     * GPU array), so that tests on a CPU machine cover the copying path.
     */
    public static void copyOnCpuForTests(boolean on) {
        copyOnCpu = on;
    }

    /** Runs {@code save} with every device-to-host copy of {@code arrays} freed when it returns. */
    public static void scoped(Collection<NDArray> arrays, Save save) throws IOException {
        if (arrays.isEmpty()) {
            save.run();
            return;
        }
        Set<NDArray> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(arrays);
        String engine = distinct.iterator().next().getManager().getEngine().getEngineName();
        try (NDManager scratch = NDManager.newBaseManager(Device.cpu(), engine)) {
            for (NDArray array : distinct) {
                array.tempAttach(scratch);
                if (copyOnCpu) {
                    array.toDevice(
                            Device.cpu(), true); // what DJL does for a GPU array; lands in scratch
                }
            }
            save.run();
        }
    }

    /** {@link NDArray#encode()} without keeping a host copy of a device array. */
    public static byte[] encode(NDArray array) throws IOException {
        byte[][] bytes = new byte[1][];
        scoped(List.of(array), () -> bytes[0] = array.encode());
        return bytes[0];
    }

    /** The arrays of a block's initialized parameters (what {@code Block.saveParameters} reads). */
    public static List<NDArray> parameterArrays(Block block) {
        List<NDArray> out = new ArrayList<>();
        for (Pair<String, Parameter> pair : block.getParameters()) {
            if (pair.getValue().isInitialized()) {
                out.add(pair.getValue().getArray());
            }
        }
        return out;
    }
}
