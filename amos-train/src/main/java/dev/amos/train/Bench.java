package dev.amos.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.ParameterList;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import com.google.gson.JsonObject;
import dev.amos.model.Amos;
import dev.amos.model.ModelConfig;
import dev.amos.model.Objective;
import dev.amos.train.data.Masker;
import dev.amos.train.data.PackedExamples;
import dev.amos.train.data.PretrainingDataset;
import dev.amos.train.data.SpecialTokens;
import dev.amos.train.data.StepSampler;
import dev.amos.train.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code amos bench}: the time of full training steps (mask, forward, backward, clip, AdamW) of a
 * preset and objective on an in-memory batch, after warm-up, with tokens/s, analytic model FLOPs
 * ({@link Flops}), achieved FLOP/s and MFU against {@code peakFlops}: on a CPU the caller measures
 * it in the same process ({@link GemmPeak}), on a GPU it is the device's datasheet figure.
 */
public final class Bench {

    private Bench() {}

    /** Brackets the measured steps of {@link #trainingSteps} (e.g. libtorch's profiler). */
    public interface Profiler {
        /** Called before the first measured step. */
        void start();

        /** Called after the last measured step. */
        void stop();
    }

    /**
     * One measurement as a JSON line. With {@code corpus} (packed examples), steps alternate
     * between the in-memory batch and batches of the real data pipeline (sampling, host masking and
     * batch creation on other threads), and both medians are reported: the data pipeline costs
     * nothing when they agree.
     *
     * @param corpus packed examples of a real corpus, or null for the in-memory batch only
     * @param profiler started before the first measured step and stopped after the last (an
     *     engine's op-by-op profiler, which adds its own overhead to the measured times), or null
     */
    public static JsonObject trainingSteps(
            ModelConfig config,
            Objective objective,
            int batchSize,
            int seqLen,
            int steps,
            int warmup,
            Device device,
            double peakFlops,
            PackedExamples corpus,
            Profiler profiler) {
        TrainConfig tc =
                TrainConfig.builder()
                        .optSteps(steps + warmup)
                        .optBatchSize(batchSize)
                        .optSeqLen(seqLen)
                        .optWarmupSteps(0)
                        .optSeed(1)
                        .build();
        SpecialTokens special =
                new SpecialTokens(
                        0, 100, 101, 102, 103, config.vocabSize(), List.of(0, 100, 101, 102, 103));
        Engine.getInstance().setRandomSeed(1);
        Amos amos = new Amos(config, objective);
        double[] millis = new double[steps];
        double[] corpusMillis = new double[steps];
        long faults = minorPageFaults() < 0 ? -1 : 0; // -1: not counted (no /proc)
        long firstStepGrowthMb = -1;
        String headroom = null;
        ExecutorService prefetch =
                corpus == null
                        ? null
                        : Executors.newFixedThreadPool(
                                2,
                                r -> {
                                    Thread t = new Thread(r, "amos-bench-data");
                                    t.setDaemon(true);
                                    return t;
                                });
        try (Model model = Model.newInstance("bench", device)) {
            model.setBlock(amos);
            ParameterList params = amos.getParameters();
            try (AdamW adam = Pretrainer.newOptimizer(params, tc, 0);
                    Trainer trainer =
                            model.newTrainer(
                                    new DefaultTrainingConfig(new PretrainLoss(tc.rtdWeight()))
                                            .optOptimizer(adam)
                                            .optDevices(new Device[] {device}))) {
                Pretrainer.initialize(trainer, tc);
                Masker masker = new Masker(tc.masking(objective), special, 1);
                long[][] batch = syntheticBatch(batchSize, seqLen, config.vocabSize());
                Iterator<Batch> real =
                        corpus == null
                                ? null
                                : PretrainingDataset.builder()
                                        .setExamples(corpus)
                                        .setMasker(masker)
                                        .setSampling(
                                                new StepSampler(1, batchSize, 0, Long.MAX_VALUE))
                                        .optPrefetchNumber(PretrainingData.PREFETCH)
                                        .build()
                                        .getData(trainer.getManager(), prefetch)
                                        .iterator();
                int rounds = corpus == null ? 1 : 2;
                for (int i = 0; i < warmup + steps; i++) {
                    if (profiler != null && i == warmup) {
                        headroom =
                                profileHeadroom(
                                        trainer.getManager(), firstStepGrowthMb, steps * rounds);
                        profiler.start();
                    }
                    long rssBefore = i == 0 ? rssMb() : -1;
                    for (int round = 0; round < rounds; round++) {
                        long faults0 = minorPageFaults();
                        long t0 = System.nanoTime();
                        try (NDManager m = trainer.getManager().newSubManager();
                                Batch b = round == 1 ? real.next() : null) {
                            NDList data =
                                    b != null
                                            ? b.getData()
                                            : masker.mask(batch[0], batch[1], batchSize, seqLen, i)
                                                    .toNDList(m);
                            StepStats stats =
                                    TrainingLoop.forwardBackward(
                                            trainer, data, tc, masker, params, m, false);
                            adam.setStep(i + 1);
                            trainer.step();
                            stats.lossArray()
                                    .getFloat(); // one sync per step: the time includes the
                            // device's work
                        }
                        if (i >= warmup) {
                            (round == 0 ? millis : corpusMillis)[i - warmup] =
                                    (System.nanoTime() - t0) / 1e6;
                            faults += round == 0 && faults >= 0 ? minorPageFaults() - faults0 : 0;
                        }
                    }
                    if (i == 0 && rssBefore >= 0) {
                        firstStepGrowthMb = rssMb() - rssBefore;
                    }
                }
                if (profiler != null) {
                    profiler.stop();
                }
            } catch (IOException | TranslateException e) {
                throw new IllegalStateException("reading the corpus failed", e);
            } finally {
                if (prefetch != null) {
                    prefetch.shutdownNow();
                }
            }
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5);
        double tokens = (double) batchSize * seqLen;
        double flopsPerToken = Flops.trainingPerToken(config, objective, seqLen, 0.15);
        double achieved = flopsPerToken * tokens / (median / 1e3);
        JsonObject j = new JsonObject();
        j.addProperty("measurement", "train_step");
        j.addProperty("config", config.name());
        j.addProperty("objective", objective.label());
        j.addProperty("device", device.toString());
        j.addProperty("batch_size", batchSize);
        j.addProperty("seq_len", seqLen);
        j.addProperty("steps", steps);
        j.addProperty("warmup_steps", warmup);
        j.addProperty("step_ms_median", round(median));
        j.addProperty("step_ms_p10", round(quantile(sorted, 0.1)));
        j.addProperty("step_ms_p90", round(quantile(sorted, 0.9)));
        j.addProperty("tokens_per_second", round(tokens / (median / 1e3)));
        j.addProperty("model_flops_per_token", Math.round(flopsPerToken));
        j.addProperty("achieved_flops", Math.round(achieved));
        j.addProperty("peak_flops", Math.round(peakFlops));
        j.addProperty("mfu", Math.round(achieved / peakFlops * 1e4) / 1e4);
        j.addProperty("peak_rss_mb", peakRssMb());
        if (faults >= 0) {
            j.addProperty("page_faults_per_step", Math.round((double) faults / steps));
        }
        if (headroom != null) {
            j.addProperty("profile_heap_headroom", headroom);
        }
        if (corpus != null) {
            double[] c = corpusMillis.clone();
            Arrays.sort(c);
            j.addProperty("corpus_step_ms_median", round(quantile(c, 0.5)));
            j.addProperty("corpus_vs_memory", Math.round(quantile(c, 0.5) / median * 1e4) / 1e4);
        }
        return j;
    }

    /**
     * Makes the profiled steps' heap memory resident before the profiler starts, and says what was
     * done. libtorch's profiler keeps its records on the heap between the step's tensors, so a
     * profiled step cannot reuse what the last one freed and takes fresh memory, which faults page
     * by page on first write, inflating the ops that write new large arrays (docs/performance.md,
     * "The profiler's distortion"). Where malloc keeps freed memory resident ({@link
     * dev.amos.io.NativeHeap#keepsFreedMemory}), faulting in as much as the profiled steps will
     * take (the first step's growth of the resident set, once per profiled step, at most half of
     * the memory available) and freeing it leaves that memory at the heap's top for them.
     */
    static String profileHeadroom(NDManager manager, long firstStepGrowthMb, int profiledSteps) {
        if (firstStepGrowthMb < 0) {
            return "none: no warm-up step to size it (--warmup 1 or more)";
        }
        long mb = Math.min(firstStepGrowthMb * profiledSteps, availableMb() / 2);
        if (!dev.amos.io.NativeHeap.keepsFreedMemory(System.getenv(), mb << 20)) {
            return "none: malloc returns freed memory (the launcher's AMOS_MALLOC=heap keeps it)";
        }
        dev.amos.io.NativeHeap.pretouch(manager, mb << 20);
        return "pre-touched " + mb + " MB";
    }

    /** MemAvailable of /proc/meminfo, in MB; 0 where it cannot be read. */
    private static long availableMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /**
     * The process's minor page faults so far (all threads; /proc/self/stat), or -1 where /proc is
     * absent. A step that reuses freed heap memory faults little; one that gets fresh pages from
     * the kernel faults once per 4 KiB page on its first writes.
     */
    public static long minorPageFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(
                    fields[7]); // field 10 of proc(5), minflt: the 8th after the command
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The process's peak resident set (VmHWM), in MB; -1 where /proc is absent. */
    public static long peakRssMb() {
        return procStatusMb("VmHWM:");
    }

    /** The process's current resident set (VmRSS), in MB; -1 where /proc is absent. */
    public static long rssMb() {
        return procStatusMb("VmRSS:");
    }

    private static long procStatusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** [CLS] w... [SEP] rows of random non-special word ids, full length (packed sequences are). */
    static long[][] syntheticBatch(int batchSize, int seqLen, int vocab) {
        SplittableRandom r = new SplittableRandom(7);
        long[] ids = new long[batchSize * seqLen];
        long[] att = new long[batchSize * seqLen];
        for (int b = 0; b < batchSize; b++) {
            for (int t = 0; t < seqLen; t++) {
                int p = b * seqLen + t;
                ids[p] = t == 0 ? 101 : t == seqLen - 1 ? 102 : 1000 + r.nextInt(vocab - 1000);
                att[p] = 1;
            }
        }
        return new long[][] {ids, att};
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
