package dev.amos.spark;

import dev.amos.eval.finetune.FineTunedModel;
import dev.amos.eval.glue.GluePairEncoder;
import dev.amos.eval.serve.TextEmbedder;
import dev.amos.model.Pooling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of one JVM (a Spark executor, or the driver in local mode): each model folder is
 * loaded once, on first use by any task, and shared by all later tasks and task threads of the JVM
 * (the weights are read-only; {@link TextEmbedder#embed} and {@link LoadedClassifier} are
 * thread-safe). They live as long as the JVM and are closed by a shutdown hook.
 */
final class ExecutorModels {

    private static final Map<String, TextEmbedder> EMBEDDERS = new ConcurrentHashMap<>();
    private static final Map<String, LoadedClassifier> CLASSIFIERS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(ExecutorModels::closeAll, "amos-models-close"));
    }

    private ExecutorModels() {}

    /** The embedder of {@code folder} with the given pooling, loaded on first use in this JVM. */
    static TextEmbedder embedder(ModelFolder folder, Pooling pooling, boolean normalize) {
        return EMBEDDERS.computeIfAbsent(
                folder.key() + "|" + pooling + "|" + normalize,
                key -> {
                    LOADS.incrementAndGet();
                    try {
                        return TextEmbedder.load(folder.localDir(), pooling, normalize);
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot load the model " + folder.localDir(), e);
                    }
                });
    }

    /** The fine-tuned classifier of {@code folder}, loaded on first use in this JVM. */
    static LoadedClassifier classifier(ModelFolder folder) {
        return CLASSIFIERS.computeIfAbsent(
                folder.key(),
                key -> {
                    LOADS.incrementAndGet();
                    try {
                        FineTunedModel model = FineTunedModel.load(folder.localDir());
                        model.classifier()
                                .freezeParameters(true); // inference only: no autograd graph
                        return new LoadedClassifier(
                                model,
                                GluePairEncoder.load(
                                        model.tokenizer(), model.config().maxLength()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot load the model " + folder.localDir(), e);
                    }
                });
    }

    /** How many models this JVM has loaded (to check "once per JVM" in tests). */
    static int loads() {
        return LOADS.get();
    }

    private static void closeAll() {
        EMBEDDERS.values().forEach(TextEmbedder::close);
        CLASSIFIERS.values().forEach(LoadedClassifier::close);
    }

    /** A fine-tuned model with its pair encoder (both thread-safe for inference). */
    record LoadedClassifier(FineTunedModel model, GluePairEncoder encoder)
            implements AutoCloseable {
        @Override
        public void close() {
            encoder.close();
            model.close();
        }
    }
}
