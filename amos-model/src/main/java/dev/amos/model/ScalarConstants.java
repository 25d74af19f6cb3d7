package dev.amos.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 0-dim constants created once per device and value, for the arithmetic of the training step.
 *
 * <p>In DJL 0.25 every {@code x.op(Number)} ({@code x.mul(0.5f)}, {@code x.add(1f)}, ...) creates
 * the number as a new 0-dim array on {@code x}'s device and closes it after the op: on CUDA that is
 * a host-to-device copy and a stream synchronisation per call, about 35 per AMOS step. {@code
 * x.op(ScalarConstants.of(x, 0.5f))} runs the very same tensor-tensor kernel (same data type, same
 * value, so the same bits) with a constant uploaded once. The constants live for the process in one
 * manager per device; use this only for values fixed by the configuration (a handful), never for
 * data-dependent numbers.
 */
public final class ScalarConstants {

    private record Key(Device device, String engine, List<Object> value) {}

    private static final Map<Key, NDArray> CONSTANTS = new ConcurrentHashMap<>();
    private static final Map<List<Object>, NDManager> MANAGERS = new ConcurrentHashMap<>();

    private ScalarConstants() {}

    /**
     * The 0-dim array holding {@code value} on {@code like}'s device, with the data type DJL's
     * {@code NDManager.create(Number)} gives it (float32 for a {@code Float}, float64 for a {@code
     * Double}, int32 for an {@code Integer}, ...). Never close it.
     */
    public static NDArray of(NDArray like, Number value) {
        Device device = like.getDevice();
        String engine = like.getManager().getEngine().getEngineName();
        // the value's class is part of the key: 1f (float32) and 1.0 (float64) are different
        // constants
        Key key = new Key(device, engine, List.of(value.getClass().getName(), value));
        return CONSTANTS.computeIfAbsent(key, k -> create(device, engine, value));
    }

    /** How many constants exist (for tests: a fixed configuration makes a fixed number). */
    public static int count() {
        return CONSTANTS.size();
    }

    private static NDArray create(Device device, String engine, Number value) {
        NDManager manager =
                MANAGERS.computeIfAbsent(
                        List.of(device, engine), k -> NDManager.newBaseManager(device, engine));
        NDArray constant = manager.create(value);
        // created inside a step's NDScope it would otherwise be closed with that step
        NDScope.unregister(constant);
        return constant;
    }
}
