package dev.amos.train.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.amos.model.BadInputException;
import dev.amos.model.HostCopies;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay (AdamW, <a href="https://arxiv.org/abs/1711.05101">Loshchilov
 * &amp; Hutter 2019</a>) for DJL's {@code Trainer}, with what DJL's own {@code AdamW} lacks:
 * weight-decay exclusion per parameter, a step count that is global (one per {@code
 * trainer.step()}), and saveable moments for exact resume.
 *
 * <p>Update for step {@code t} (1-based), learning rate {@code lr = tracker(t)}, exactly as {@code
 * torch.optim.AdamW}: {@code w *= 1 - lr*wd} (wd = 0 for excluded parameters); {@code m = b1*m +
 * (1-b1)*g}; {@code v = b2*v + (1-b2)*g*g}; {@code w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) +
 * eps)}. It runs as DJL's fused PyTorch kernel ({@code NDArrayEx.adamUpdate} with {@code
 * adamw=true}, whose epsilon is rescaled here so that it is added to the bias-corrected {@code
 * sqrt(v)}), which also zeroes the parameter's gradient. Defaults: betas (0.9, 0.98), eps 1e-6,
 * weight decay 0.01, biases and LayerNorm gammas/betas excluded from decay.
 *
 * <p>Step count: a step begins when a parameter (on a device) is updated a second time, so it
 * counts {@code trainer.step()} calls, not per-parameter updates; this relies on every trainable
 * parameter being updated once per step, which DJL's trainer does (its first step registers all
 * of them). The learning-rate tracker and bias correction use it. Parameters that got no gradient
 * still receive a zero-gradient update (moments decay, weight decay applies), unlike PyTorch,
 * which skips parameters whose gradient is {@code None}.
 *
 * <p>Gradient accumulation: call {@code backward} several times and then {@code trainer.step()}
 * once; gradients add up until this optimizer zeroes them. Scale each micro-batch loss by {@code
 * 1/k} (rather than {@code setRescaleGrad}, which acts after clipping). Skipping a step (NaN/Inf
 * gradients) means not calling {@code trainer.step()} and calling {@link
 * GradientClipping#zeroGradients}; the step count then does not advance.
 *
 * <p>Usage in a training loop:
 *
 * <pre>{@code
 * ParameterList params = model.getBlock().getParameters();
 * try (AdamW adamW = AdamW.builder(params)
 *         .optLearningRateTracker(LinearWarmupDecay.toZero(5e-4f, 10_000, 125_000))
 *         .optExcludeFromWeightDecay(name -> name.endsWith("_positionEmbedding"))
 *         .build();
 *         Trainer trainer =
 *                 model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
 *     // when resuming, block.loadParameters(...) comes BEFORE this (it re-enables gradients)
 *     trainer.initialize(inputShapes);
 *     if (resuming) {
 *         adamW.loadState(model.getNDManager(), checkpointDir.resolve("optimizer.bin"));
 *     }
 *     while (adamW.stepCount() < totalSteps) {
 *         boolean finite;
 *         try (NDScope scope = new NDScope();
 *                 GradientCollector gc = trainer.newGradientCollector()) {
 *             NDArray lossValue = loss.evaluate(labels, trainer.forward(inputs));
 *             gc.backward(lossValue);
 *             NDArray norm = GradientClipping.clipGlobalNorm(params, 2.0f);
 *             finite = GradientClipping.isFinite(norm);   // the one host read per step
 *         }
 *         if (!finite) {
 *             GradientClipping.zeroGradients(params);   // skip: no update, no step counted
 *             continue;
 *         }
 *         trainer.step();                      // outside the scope: moments must survive it
 *         if (adamW.stepCount() % checkpointEvery == 0) {
 *             model.getBlock().saveParameters(out);
 *             adamW.saveState(checkpointDir.resolve("optimizer.bin"));
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>State is keyed by parameter name (parameter ids are random per process), so the {@link
 * ParameterList} given to the builder must be the model's {@code block.getParameters()}, whose
 * names are stable. The moments live in a manager owned by this optimizer: {@link #close()} frees
 * them. Requires the PyTorch engine (the fused kernel's semantics were verified there).
 */
public final class AdamW extends Optimizer implements AutoCloseable {

    private static final String STATE_MAGIC = "amos-adamw-state";
    private static final int STATE_VERSION = 1;
    private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 64;
    private static final Set<Parameter.Type> NO_DECAY_TYPES =
            EnumSet.of(Parameter.Type.BIAS, Parameter.Type.GAMMA, Parameter.Type.BETA);

    private final ParameterTracker learningRateTracker;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, Parameter> parametersByName;
    private final Map<String, String> nameById;
    private final Set<String> noDecayIds;

    private final Map<String, Map<Device, Moments>> moments = new HashMap<>();
    private final Set<String> updatedInCurrentStep = new HashSet<>();
    private int step;
    private float lastLearningRate = Float.NaN;
    private NDManager stateManager;
    private boolean engineChecked;

    private AdamW(Builder builder) {
        super(builder);
        if (clipGrad >= 0f) {
            throw new IllegalArgumentException(
                    "element-wise optClipGrad is not supported;"
                            + " use GradientClipping.clipGlobalNorm");
        }
        learningRateTracker = builder.learningRateTracker;
        beta1 = builder.beta1;
        beta2 = builder.beta2;
        epsilon = builder.epsilon;
        weightDecay = getWeightDecay();
        step = builder.initialStep;
        parametersByName = new LinkedHashMap<>();
        nameById = new HashMap<>();
        noDecayIds = new HashSet<>();
        for (Pair<String, Parameter> pair : builder.parameters) {
            register(pair.getKey(), pair.getValue(), builder.extraNoDecay);
        }
        validate();
    }

    /**
     * Starts a builder for an optimizer over {@code parameters}.
     *
     * @param parameters the model's parameters, {@code block.getParameters()}: names key the
     *     saved state and decide weight-decay exclusion
     * @return the builder
     */
    public static Builder builder(ParameterList parameters) {
        return new Builder(parameters);
    }

    private void register(String name, Parameter param, Predicate<String> extraNoDecay) {
        String id = param.getId();
        if (nameById.containsKey(id)) {
            return; // the same (shared) parameter listed twice
        }
        if (parametersByName.containsKey(name)) {
            throw new IllegalArgumentException("two parameters are named " + name);
        }
        parametersByName.put(name, param);
        nameById.put(id, name);
        if (NO_DECAY_TYPES.contains(param.getType()) || extraNoDecay.test(name)) {
            noDecayIds.add(id);
        }
    }

    private void validate() {
        checkRange("beta1", beta1, 0f, 1f);
        checkRange("beta2", beta2, 0f, 1f);
        if (!(epsilon > 0f) || !(weightDecay >= 0f) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException(
                    "need epsilon > 0 and finite weight decay >= 0: "
                            + epsilon + ", " + weightDecay);
        }
    }

    private static void checkRange(String what, float value, float from, float toExclusive) {
        if (!(value >= from && value < toExclusive)) {
            throw new IllegalArgumentException(
                    what + " must be in [" + from + ", " + toExclusive + "): " + value);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        if (!nameById.containsKey(parameterId)) {
            throw new IllegalStateException(
                    "parameter " + weight.getName() + " (id " + parameterId
                            + ") is not in the ParameterList given to AdamW.builder");
        }
        checkEngine(weight);
        int t = advanceStep(parameterId, weight.getDevice());
        float learningRate = learningRateTracker.getNewValue(parameterId, t);
        if (!Float.isFinite(learningRate) || learningRate < 0f) {
            throw new IllegalStateException("learning rate at step " + t + " is " + learningRate);
        }
        lastLearningRate = learningRate;
        double biasCorrection1 = 1.0 - Math.pow(beta1, t);
        double sqrtBiasCorrection2 = Math.sqrt(1.0 - Math.pow(beta2, t));
        // The kernel computes w -= lrCorrected * m / (sqrt(v) + epsKernel). With lrCorrected =
        // lr * sqrt(bc2) / bc1 and epsKernel = eps * sqrt(bc2) this equals
        // lr * (m / bc1) / (sqrt(v / bc2) + eps), PyTorch's AdamW.
        float correctedLearningRate =
                (float) (learningRate * sqrtBiasCorrection2 / biasCorrection1);
        float kernelEpsilon = (float) (epsilon * sqrtBiasCorrection2);
        float decay = noDecayIds.contains(parameterId) ? 0f : weightDecay;
        Moments state = momentsFor(parameterId, weight);
        weight.getNDArrayInternal()
                .adamUpdate(
                        new NDList(weight, grad, state.mean(), state.variance()),
                        new NDList(weight),
                        learningRate,
                        correctedLearningRate,
                        decay,
                        rescaleGrad,
                        -1f,
                        beta1,
                        beta2,
                        kernelEpsilon,
                        true,
                        true);
    }

    private void checkEngine(NDArray weight) {
        if (!engineChecked) {
            String engine = weight.getManager().getEngine().getEngineName();
            if (!"PyTorch".equals(engine)) {
                throw new UnsupportedOperationException(
                        "AdamW relies on the PyTorch fused Adam kernel; engine is " + engine);
            }
            engineChecked = true;
        }
    }

    /** A new step begins at the first update, and whenever a parameter comes round again. */
    private synchronized int advanceStep(String parameterId, Device device) {
        String key = parameterId + '@' + device;
        if (updatedInCurrentStep.isEmpty() || updatedInCurrentStep.contains(key)) {
            updatedInCurrentStep.clear();
            step++;
        }
        updatedInCurrentStep.add(key);
        return step;
    }

    private synchronized Moments momentsFor(String parameterId, NDArray weight) {
        Map<Device, Moments> perDevice = moments.computeIfAbsent(parameterId, k -> new HashMap<>());
        Moments found = perDevice.get(weight.getDevice());
        if (found != null) {
            return found;
        }
        Moments created;
        if (perDevice.isEmpty()) {
            created = new Moments(own(weight.zerosLike()), own(weight.zerosLike()));
        } else {
            Moments any = perDevice.values().iterator().next();
            created =
                    new Moments(
                            own(any.mean().toDevice(weight.getDevice(), true)),
                            own(any.variance().toDevice(weight.getDevice(), true)));
        }
        perDevice.put(weight.getDevice(), created);
        return created;
    }

    /** Moves an array into this optimizer's manager, out of any enclosing {@code NDScope}. */
    private NDArray own(NDArray array) {
        if (stateManager == null) {
            stateManager = NDManager.newBaseManager(array.getDevice(), "PyTorch");
        }
        array.attach(stateManager);
        NDScope.unregister(array);
        return array;
    }

    /**
     * Returns the number of optimizer steps taken (or started) so far, including those restored
     * by {@link #loadState}.
     *
     * @return the global step count
     */
    public synchronized int stepCount() {
        return step;
    }

    /**
     * Returns the learning rate the most recent update used (NaN before the first update).
     *
     * @return the learning rate of the current step
     */
    public float lastLearningRate() {
        return lastLearningRate;
    }

    /**
     * Returns the names of the parameters that get no weight decay, sorted.
     *
     * @return names of the excluded parameters
     */
    public Set<String> excludedFromWeightDecay() {
        Set<String> names = new TreeSet<>();
        noDecayIds.forEach(id -> names.add(nameById.get(id)));
        return names;
    }

    /**
     * Writes the step count and both moments of every parameter, keyed by parameter name. Call it
     * between steps (after {@code trainer.step()}).
     *
     * @param out the stream to write to
     * @throws IOException if writing fails
     */
    public synchronized void saveState(DataOutputStream out) throws IOException {
        Map<String, Moments> byName = new TreeMap<>();
        for (Map.Entry<String, Map<Device, Moments>> entry : moments.entrySet()) {
            byName.put(nameById.get(entry.getKey()), entry.getValue().values().iterator().next());
        }
        out.writeUTF(STATE_MAGIC);
        out.writeInt(STATE_VERSION);
        out.writeInt(step);
        out.writeInt(byName.size());
        for (Map.Entry<String, Moments> entry : byName.entrySet()) {
            out.writeUTF(entry.getKey());
            writeArray(out, entry.getValue().mean());
            writeArray(out, entry.getValue().variance());
        }
        out.flush();
    }

    /**
     * Writes the state to {@code file} atomically (temporary file, then rename).
     *
     * @param file the file to write
     * @throws IOException if writing fails
     */
    public void saveState(Path file) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out =
                new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)))) {
            saveState(out);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Replaces this optimizer's state with one written by {@link #saveState(DataOutputStream)},
     * matching parameters by name. The next update starts step {@code savedStep + 1}.
     *
     * @param manager decides the device the moments are created on (then owned by this optimizer)
     * @param in the stream to read
     * @throws IOException if reading fails
     * @throws BadInputException if the state does not fit this model (unknown parameter, missing
     *     parameter, wrong shape) or is not an AdamW state
     */
    public synchronized void loadState(NDManager manager, DataInputStream in) throws IOException {
        String magic = in.readUTF();
        int version = in.readInt();
        if (!STATE_MAGIC.equals(magic) || version != STATE_VERSION) {
            throw new BadInputException(
                    "expected an AdamW state (" + STATE_MAGIC + " v" + STATE_VERSION + "), found "
                            + magic + " v" + version);
        }
        int savedStep = in.readInt();
        int count = in.readInt();
        if (savedStep < 0 || count < 0 || count > parametersByName.size()) {
            throw new BadInputException(
                    "optimizer state: bad header (step " + savedStep + ", " + count
                            + " parameters; the model has " + parametersByName.size() + ")");
        }
        Map<String, Moments> loaded = new HashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                Moments state = new Moments(readArray(manager, in), readArray(manager, in));
                loaded.put(idFor(name, state), state);
            }
            checkComplete(savedStep, loaded.keySet());
        } catch (IOException | RuntimeException e) {
            loaded.values().forEach(Moments::close);
            throw e;
        }
        replaceState(savedStep, loaded);
    }

    /**
     * Reads the state from {@code file}; errors name the file.
     *
     * @param manager decides the device the moments are created on
     * @param file the file to read
     * @throws IOException if reading fails
     * @throws BadInputException if the file is missing, truncated or does not fit this model
     */
    public void loadState(NDManager manager, Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            loadState(manager, in);
        } catch (NoSuchFileException e) {
            throw BadInputException.of(file, "optimizer state file not found");
        } catch (EOFException e) {
            throw BadInputException.of(file, "optimizer state is truncated");
        } catch (BadInputException e) {
            throw BadInputException.of(file, e.getMessage());
        }
    }

    private String idFor(String name, Moments state) {
        Parameter param = parametersByName.get(name);
        if (param == null) {
            state.close();
            throw new BadInputException(
                    "optimizer state has moments for parameter " + name
                            + ", which the model lacks");
        }
        if (param.isInitialized() && !fits(state, param.getArray())) {
            NDArray array = param.getArray();
            String message =
                    "optimizer state for " + name + " is " + state.mean().getShape() + " "
                            + state.mean().getDataType() + ", the parameter is "
                            + array.getShape() + " " + array.getDataType();
            state.close();
            throw new BadInputException(message);
        }
        return param.getId();
    }

    private static boolean fits(Moments state, NDArray weight) {
        for (NDArray moment : List.of(state.mean(), state.variance())) {
            if (!moment.getShape().equals(weight.getShape())
                    || moment.getDataType() != weight.getDataType()) {
                return false;
            }
        }
        return true;
    }

    private void checkComplete(int savedStep, Set<String> loadedIds) {
        if (savedStep == 0) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : parametersByName.entrySet()) {
            Parameter param = entry.getValue();
            if (param.requiresGradient() && !loadedIds.contains(param.getId())) {
                missing.add(entry.getKey());
            }
        }
        if (!missing.isEmpty()) {
            throw new BadInputException(
                    "optimizer state at step " + savedStep + " lacks moments for " + missing);
        }
    }

    private void replaceState(int savedStep, Map<String, Moments> loaded) {
        moments.values().forEach(perDevice -> perDevice.values().forEach(Moments::close));
        moments.clear();
        for (Map.Entry<String, Moments> entry : loaded.entrySet()) {
            Moments state =
                    new Moments(own(entry.getValue().mean()), own(entry.getValue().variance()));
            Map<Device, Moments> perDevice = new HashMap<>();
            perDevice.put(state.mean().getDevice(), state);
            moments.put(entry.getKey(), perDevice);
        }
        step = savedStep;
        updatedInCurrentStep.clear();
    }

    private static void writeArray(DataOutputStream out, NDArray array) throws IOException {
        byte[] bytes = HostCopies.encode(array); // no host copy of a GPU moment is kept
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static NDArray readArray(NDManager manager, DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length <= 0 || length > MAX_ARRAY_BYTES) {
            throw new BadInputException("optimizer state: bad array length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        try {
            return NDArray.decode(manager, bytes);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("optimizer state: undecodable array: " + e.getMessage(), e);
        }
    }

    /** Frees the moments. The optimizer must not be used afterwards. */
    @Override
    public synchronized void close() {
        moments.clear();
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }

    /** First and second moment estimates of one parameter on one device. */
    private record Moments(NDArray mean, NDArray variance) implements AutoCloseable {
        @Override
        public void close() {
            mean.close();
            variance.close();
        }
    }

    /**
     * Builder for {@link AdamW}; {@code optWeightDecays} (default 0.01) and {@code setRescaleGrad}
     * are inherited.
     */
    public static final class Builder extends OptimizerBuilder<Builder> {

        private final ParameterList parameters;
        private ParameterTracker learningRateTracker = Tracker.fixed(1e-3f);
        private float beta1 = 0.9f;
        private float beta2 = 0.98f;
        private float epsilon = 1e-6f;
        private int initialStep;
        private Predicate<String> extraNoDecay = name -> false;

        private Builder(ParameterList parameters) {
            this.parameters = parameters;
            optWeightDecays(0.01f);
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the learning-rate schedule; it is called with the 1-based global step. Default:
         * fixed 1e-3.
         *
         * @param tracker the schedule, e.g. {@link LinearWarmupDecay}
         * @return this builder
         */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = tracker;
            return this;
        }

        /**
         * Sets the moment decay rates. Default (0.9, 0.98).
         *
         * @param beta1 first-moment decay
         * @param beta2 second-moment decay
         * @return this builder
         */
        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /**
         * Sets epsilon, added to the bias-corrected {@code sqrt(v)}. Default 1e-6.
         *
         * @param epsilon a small positive number
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Excludes from weight decay, in addition to biases and LayerNorm gammas/betas (by {@code
         * Parameter.Type}), the parameters whose name matches.
         *
         * @param byName test on the name in the {@link ParameterList}
         * @return this builder
         */
        public Builder optExcludeFromWeightDecay(Predicate<String> byName) {
            this.extraNoDecay = this.extraNoDecay.or(byName);
            return this;
        }

        /**
         * Sets the step count the optimizer starts from (its first update is step {@code n + 1}).
         * {@link AdamW#loadState} overrides it.
         *
         * @param n steps already taken
         * @return this builder
         */
        @Override
        public Builder optBeginNumUpdate(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("begin step must be >= 0: " + n);
            }
            this.initialStep = n;
            return super.optBeginNumUpdate(n);
        }

        /**
         * Builds the optimizer.
         *
         * @return the optimizer
         */
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
