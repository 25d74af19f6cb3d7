package dev.amos.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.amos.io.AtomicFiles;
import dev.amos.model.BadInputException;
import dev.amos.model.export.ScriptModuleDefinition;
import dev.amos.model.export.TorchScriptArchiveWriter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay (AdamW, <a href="https://arxiv.org/abs/1711.05101">Loshchilov
 * &amp; Hutter 2019</a>) for DJL's {@code Trainer}, with what DJL 0.25's own {@code Adam}/{@code
 * AdamW} lack: weight-decay exclusion per parameter, the step given by the training loop (DJL's
 * optimizers count updates per parameter id, and ids are random per process, so a resumed run would
 * restart its schedule and bias correction), and moments saved and restored by parameter name for
 * exact resume (DJL's optimizers have no state I/O).
 *
 * <p>Update for step {@code t} (1-based), learning rate {@code lr = tracker(t)}, exactly as {@code
 * torch.optim.AdamW}: {@code w *= 1 - lr*wd} (wd = 0 for biases, LayerNorm gammas/betas and {@link
 * Builder#optExcludeFromWeightDecay named exclusions}); {@code m = b1*m + (1-b1)*g}; {@code v =
 * b2*v + (1-b2)*g*g}; {@code w -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)}. It runs as one
 * call per parameter of a small TorchScript function ({@link #UPDATE_SOURCE}, written and loaded
 * when the first parameter is updated) of in-place libtorch ops: {@code mul_}, {@code lerp_},
 * {@code mul_}+{@code addcmul_}, {@code sqrt}+{@code add_}, {@code addcdiv_}, with the bias
 * correction folded into the step size and epsilon (epsilon rescaled so that it is added to the
 * bias-corrected {@code sqrt(v)}); then the parameter's gradient is zeroed, as DJL's {@code
 * adamUpdate} does. That is 18 reads and writes of a parameter's elements where DJL's kernel makes
 * 31 (it clones the gradient and computes the decay and the step in separate temporaries); see
 * docs/performance.md for the time it saves. Parameters that got no gradient still receive a
 * zero-gradient update, unlike PyTorch, which skips parameters whose gradient is {@code None}.
 *
 * <pre>{@code
 * try (AdamW adamW = AdamW.builder(block.getParameters()).optLearningRateTracker(schedule).build();
 *         Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
 *     trainer.initialize(shapes);
 *     for (int step = 1; step <= steps; step++) {
 *         ... forward, backward, clip ...
 *         adamW.setStep(step);   // the loop's step drives the schedule and bias correction
 *         trainer.step();
 *     }
 * }
 * }</pre>
 *
 * <p>Gradient accumulation: several {@code backward} calls, then one {@code trainer.step()} (scale
 * each micro-batch loss by {@code 1/k}). A skipped step (NaN/Inf) calls {@link
 * GradientClipping#zeroGradients} instead of {@code trainer.step()}. State ({@link #saveState}) is
 * one named {@link NDList}: {@code step} and {@code NAME/m}, {@code NAME/v} per parameter, keyed by
 * the names of the {@link ParameterList} given to the builder (the model's {@code
 * block.getParameters()}). The moments live in a manager of this optimizer; {@link #close()} frees
 * them. One device (the trainer's). Requires the PyTorch engine. Not thread-safe: one training
 * thread sets the step, updates (DJL's trainer updates the parameters one after the other) and
 * saves or loads the state between steps.
 */
public final class AdamW extends Optimizer implements AutoCloseable {

    private static final String STEP = "step";
    private static final Set<Parameter.Type> NO_DECAY_TYPES =
            EnumSet.of(Parameter.Type.BIAS, Parameter.Type.GAMMA, Parameter.Type.BETA);

    private final ParameterTracker learningRateTracker;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, Parameter> parametersByName = new LinkedHashMap<>();
    private final Map<String, String> nameById = new HashMap<>();
    private final Set<String> noDecayIds = new TreeSet<>();
    private final Map<String, Moments> moments = new HashMap<>();
    private int step;
    private NDManager stateManager;
    private PtSymbolBlock updateScript;

    private AdamW(Builder builder) {
        super(builder);
        if (clipGrad >= 0f) {
            throw new IllegalArgumentException(
                    "element-wise optClipGrad is not supported; use GradientClipping.clipGlobalNorm");
        }
        learningRateTracker = builder.learningRateTracker;
        beta1 = builder.beta1;
        beta2 = builder.beta2;
        epsilon = builder.epsilon;
        weightDecay = getWeightDecay();
        step = builder.initialStep;
        if (!(beta1 >= 0
                && beta1 < 1
                && beta2 >= 0
                && beta2 < 1
                && epsilon > 0
                && weightDecay >= 0
                && Float.isFinite(weightDecay))) {
            throw new IllegalArgumentException(
                    "need betas in [0, 1), epsilon > 0 and a finite weight decay >= 0: "
                            + beta1
                            + ", "
                            + beta2
                            + ", "
                            + epsilon
                            + ", "
                            + weightDecay);
        }
        for (Pair<String, Parameter> pair : builder.parameters) {
            register(pair.getKey(), pair.getValue(), builder.extraNoDecay);
        }
    }

    /**
     * A builder over the model's {@code block.getParameters()} (names key the state and decide
     * decay).
     */
    public static Builder builder(ParameterList parameters) {
        return new Builder(parameters);
    }

    private void register(String name, Parameter param, Predicate<String> extraNoDecay) {
        if (nameById.containsKey(param.getId())) {
            return; // the same (shared) parameter listed twice
        }
        if (parametersByName.put(name, param) != null) {
            throw new IllegalArgumentException("two parameters are named " + name);
        }
        nameById.put(param.getId(), name);
        if (NO_DECAY_TYPES.contains(param.getType()) || extraNoDecay.test(name)) {
            noDecayIds.add(param.getId());
        }
    }

    /**
     * Sets the 1-based step the next {@code trainer.step()} applies (learning rate, bias
     * correction).
     */
    public void setStep(int step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps are 1-based: " + step);
        }
        this.step = step;
    }

    /**
     * The learning rate of {@code step} on this optimizer's schedule: what {@code trainer.step()}
     * applies at that step (a logger reads it here, so it reads the schedule the update uses).
     *
     * @param step a 1-based step
     * @return the learning rate
     */
    public float learningRate(int step) {
        return learningRateTracker.getNewValue("", step);
    }

    /**
     * @return the step last set (or restored by {@link #loadState}; 0 before any)
     */
    public int stepCount() {
        return step;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        if (!nameById.containsKey(parameterId)) {
            throw new IllegalStateException(
                    "parameter "
                            + weight.getName()
                            + " (id "
                            + parameterId
                            + ") is not in the ParameterList given to AdamW.builder");
        }
        int t = stepCount();
        if (t < 1) {
            throw new IllegalStateException("call AdamW.setStep(step) before trainer.step()");
        }
        float learningRate = learningRateTracker.getNewValue(parameterId, t);
        if (!Float.isFinite(learningRate) || learningRate < 0f) {
            throw new IllegalStateException("learning rate at step " + t + " is " + learningRate);
        }
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
        double[] hyper = {
            1.0 - (double) learningRate * decay,
            rescaleGrad,
            1.0 - beta1,
            beta2,
            1.0 - beta2,
            kernelEpsilon,
            -correctedLearningRate
        };
        PtSymbolBlock script = updateScript();
        try (IValue w = IValue.from((PtNDArray) weight);
                IValue g = IValue.from((PtNDArray) grad);
                IValue m = IValue.from((PtNDArray) state.mean());
                IValue v = IValue.from((PtNDArray) state.variance());
                IValue h = IValue.listFrom(hyper);
                IValue none = script.forward(w, g, m, v, h)) {
            // in place; the returned None is only freed
        }
        // DJL's trainer hands a copy of the gradient; the next backward pass accumulates into the
        // parameter's own, which is zeroed here as DJL's adamUpdate does.
        JniUtils.zeroGrad((PtNDArray) weight);
    }

    /**
     * The update of one parameter, in place, as TorchScript source: weight, gradient, first and
     * second moment, and [decay factor 1 - lr*wd, gradient scale, 1 - b1, b2, 1 - b2, epsilon,
     * -step size]. {@code lerp_(g, 1 - b1)} is {@code m + (1 - b1)(g - m)}, the {@code b1 m + (1 -
     * b1) g} of Adam in one pass. The weight is updated through {@code detach()} (the same storage)
     * so that no autograd state is touched.
     */
    static final String UPDATE_SOURCE =
            """
            def forward(self, weight: Tensor, grad: Tensor, mean: Tensor, variance: Tensor, \
            hyper: List[float]) -> None:
                w = weight.detach()
                g = grad
                if hyper[1] != 1.0:
                    g = torch.mul(grad, hyper[1])
                if hyper[0] != 1.0:
                    w.mul_(hyper[0])
                mean.lerp_(g, hyper[2])
                variance.mul_(hyper[3]).addcmul_(g, g, value=hyper[4])
                w.addcdiv_(mean, torch.sqrt(variance).add_(hyper[5]), value=hyper[6])
                return None
            """;

    /** The loaded {@link #UPDATE_SOURCE}, made on first use (on the engine of the parameters). */
    private PtSymbolBlock updateScript() {
        if (updateScript == null) {
            try {
                Path folder = Files.createTempDirectory("amos-adamw-");
                Path file = folder.resolve("adamw_update.pt");
                try {
                    TorchScriptArchiveWriter.write(
                            file,
                            new ScriptModuleDefinition(
                                    "__torch__", "AmosAdamWUpdate", List.of(), UPDATE_SOURCE));
                    updateScript =
                            JniUtils.loadModule(
                                    (PtNDManager) stateManager,
                                    file,
                                    false,
                                    new String[0],
                                    new String[0],
                                    false);
                } finally {
                    Files.deleteIfExists(file);
                    Files.deleteIfExists(folder);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the AdamW update script", e);
            }
        }
        return updateScript;
    }

    private Moments momentsFor(String parameterId, NDArray weight) {
        return moments.computeIfAbsent(
                parameterId,
                id -> {
                    if (!"PyTorch".equals(weight.getManager().getEngine().getEngineName())) {
                        throw new UnsupportedOperationException(
                                "AdamW runs its update as a PyTorch (TorchScript) function");
                    }
                    return new Moments(own(weight.zerosLike()), own(weight.zerosLike()));
                });
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
     * Writes the state as one named {@link NDList} ({@code step}, {@code NAME/m}, {@code NAME/v});
     * call it between steps. The host copies of device arrays made while encoding live in a scope
     * closed here (no host memory kept per checkpoint).
     *
     * @param out the stream
     * @throws IOException if writing fails
     */
    public void saveState(OutputStream out) throws IOException {
        try (NDScope scope = new NDScope();
                NDManager names = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDList state = new NDList();
            NDArray stepArray = names.create(new int[] {step});
            stepArray.setName(STEP);
            state.add(stepArray);
            for (Map.Entry<String, Parameter> e : parametersByName.entrySet()) {
                Moments m = moments.get(e.getValue().getId());
                if (m != null) {
                    state.add(named(m.mean(), e.getKey() + "/m"));
                    state.add(named(m.variance(), e.getKey() + "/v"));
                }
            }
            state.encode(out);
        }
        out.flush();
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** Writes the state to {@code file} atomically (temporary file, then rename). */
    public void saveState(Path file) throws IOException {
        AtomicFiles.write(file, this::saveState);
    }

    /**
     * Replaces this optimizer's state with one written by {@link #saveState}, matching parameters
     * by name. The restored step is the last one applied.
     *
     * @param manager decides the device the moments are created on (then owned by this optimizer)
     * @param in the stream
     * @throws IOException if reading fails
     * @throws BadInputException if the state does not fit this model (unknown, missing or reshaped
     *     parameter) or is not an AdamW state
     */
    public void loadState(NDManager manager, InputStream in) throws IOException {
        NDList state;
        try {
            state = NDList.decode(manager, in);
        } catch (RuntimeException e) {
            throw new BadInputException(
                    "expected an AdamW state (a named NDList): " + e.getMessage(), e);
        }
        try {
            if (!state.contains(STEP) || state.size() % 2 != 1) {
                throw new BadInputException(
                        "expected an AdamW state (step and NAME/m, NAME/v arrays)");
            }
            int savedStep = state.get(STEP).toIntArray()[0];
            Map<String, Moments> loaded = new HashMap<>();
            for (NDArray array : state) {
                String name = array.getName();
                if (name.endsWith("/m")) {
                    String param = name.substring(0, name.length() - 2);
                    Moments m = new Moments(array, state.get(param + "/v"));
                    loaded.put(idFor(param, m), m);
                }
            }
            checkComplete(savedStep, loaded.keySet());
            moments.values().forEach(Moments::close);
            moments.clear();
            loaded.forEach(
                    (id, m) -> moments.put(id, new Moments(own(m.mean()), own(m.variance()))));
            step = savedStep;
        } finally {
            state.stream()
                    .filter(a -> a.getManager() == manager)
                    .forEach(NDArray::close); // what was not kept
        }
    }

    /**
     * Reads the state from {@code file} ({@link #loadState(NDManager, InputStream)}); errors name
     * the file.
     */
    public void loadState(NDManager manager, Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            loadState(manager, in);
        } catch (NoSuchFileException e) {
            throw BadInputException.of(file, "optimizer state file not found");
        } catch (BadInputException e) {
            throw BadInputException.of(file, e.getMessage());
        }
    }

    private String idFor(String name, Moments state) {
        Parameter param = parametersByName.get(name);
        if (param == null) {
            throw new BadInputException(
                    "optimizer state has moments for parameter "
                            + name
                            + ", which the model lacks");
        }
        NDArray weight = param.isInitialized() ? param.getArray() : null;
        for (NDArray moment :
                state.variance() == null
                        ? List.of(state.mean())
                        : List.of(state.mean(), state.variance())) {
            if (weight != null
                    && (!moment.getShape().equals(weight.getShape())
                            || moment.getDataType() != weight.getDataType())) {
                throw new BadInputException(
                        "optimizer state for "
                                + name
                                + " is "
                                + moment.getShape()
                                + " "
                                + moment.getDataType()
                                + ", the parameter is "
                                + weight.getShape()
                                + " "
                                + weight.getDataType());
            }
        }
        if (state.variance() == null) {
            throw new BadInputException("optimizer state for " + name + " lacks its second moment");
        }
        return param.getId();
    }

    private void checkComplete(int savedStep, Set<String> loadedIds) {
        List<String> missing = new ArrayList<>();
        parametersByName.forEach(
                (name, param) -> {
                    if (savedStep > 0
                            && param.requiresGradient()
                            && !loadedIds.contains(param.getId())) {
                        missing.add(name);
                    }
                });
        if (!missing.isEmpty()) {
            throw new BadInputException(
                    "optimizer state at step " + savedStep + " lacks moments for " + missing);
        }
    }

    /** Frees the moments. The optimizer must not be used afterwards. */
    @Override
    public void close() {
        moments.clear();
        if (updateScript != null) {
            updateScript.close();
            updateScript = null;
        }
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }

    /** First and second moment estimates of one parameter. */
    private record Moments(NDArray mean, NDArray variance) implements AutoCloseable {
        @Override
        public void close() {
            mean.close();
            variance.close();
        }
    }

    /**
     * Builder for {@link AdamW}; defaults: fixed learning rate 1e-3, betas (0.9, 0.999), eps 1e-8
     * (DJL's and PyTorch's Adam defaults; {@code amos} passes its own from {@code TrainConfig}),
     * weight decay 0.01 ({@code optWeightDecays}, inherited, as {@code setRescaleGrad}).
     */
    public static final class Builder extends OptimizerBuilder<Builder> {

        private final ParameterList parameters;
        private ParameterTracker learningRateTracker = Tracker.fixed(1e-3f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private int initialStep;
        private Predicate<String> extraNoDecay = name -> false;

        private Builder(ParameterList parameters) {
            this.parameters = parameters;
            optWeightDecays(0.01f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * The learning-rate schedule, called with the 1-based step, e.g. {@link LinearWarmupDecay}.
         */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = tracker;
            return this;
        }

        /** The moment decay rates. */
        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** Epsilon, added to the bias-corrected {@code sqrt(v)}. */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Also excludes from weight decay the parameters whose name (in the ParameterList) matches.
         */
        public Builder optExcludeFromWeightDecay(Predicate<String> byName) {
            this.extraNoDecay = this.extraNoDecay.or(byName);
            return this;
        }

        /** The step already taken ({@link AdamW#stepCount()} before the first {@code setStep}). */
        @Override
        public Builder optBeginNumUpdate(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("begin step must be >= 0: " + n);
            }
            this.initialStep = n;
            return super.optBeginNumUpdate(n);
        }

        /**
         * @return the optimizer
         */
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
