package dev.amos.eval.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GlueReader;
import dev.amos.eval.glue.GlueSplit;
import dev.amos.eval.glue.GlueSubmissionWriter;
import dev.amos.eval.glue.GlueTask;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning end to end on a tiny encoder and synthetic GLUE-format files whose label is trivially
 * learnable (RTE: "not_entailment" exactly when the hypothesis contains "not").
 */
class GlueFinetunerTest {

    @TempDir static Path tmp;

    static Path run;
    static Path glue;

    @BeforeAll
    static void fixtures() throws IOException {
        run = tmp.resolve("pretrain");
        writeTinyRun(run);
        glue = tmp.resolve("glue");
        writeRte(glue.resolve("RTE"));
        writeStsb(glue.resolve("STS-B"));
    }

    static void writeTinyRun(Path dir) throws IOException {
        Path repo = Path.of(System.getProperty("amos.repo.root", "."));
        JsonObject json =
                JsonParser.parseString(Files.readString(repo.resolve("models/amos-tiny.json")))
                        .getAsJsonObject();
        json.addProperty("hidden_size", 32);
        json.addProperty("num_layers", 1);
        json.addProperty("ffn_size", 64);
        json.addProperty("max_positions", 64);
        json.addProperty("dropout", 0.0);
        json.addProperty("attention_dropout", 0.0);
        ModelConfig model = ModelConfig.fromJson(json, "test");
        Path d = dir.resolve("discriminator");
        Files.createDirectories(d);
        try (NDManager manager = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance()
                    .setRandomSeed(5); // a fixed random "pretrained" encoder
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(
                    manager,
                    ai.djl.ndarray.types.DataType.FLOAT32,
                    new ai.djl.ndarray.types.Shape(1, 8));
            BlockFiles.save(encoder, d.resolve("encoder.params"));
        }
        JsonObject config = new JsonObject();
        config.add("model", model.toJson());
        config.addProperty("objective", "amos");
        Files.writeString(d.resolve("config.json"), config.toString());
        Files.copy(repo.resolve("models/tokenizer.json"), d.resolve("tokenizer.json"));
    }

    private static final String[] SUBJECTS = {
        "the cat", "a man", "the dog", "my friend", "the girl", "a bird"
    };
    private static final String[] VERBS = {
        "runs fast", "is happy", "sleeps", "eats food", "sings well", "walks home"
    };

    static void writeRte(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(7);
        Files.writeString(dir.resolve("train.tsv"), rteRows(rnd, 96, true));
        Files.writeString(dir.resolve("dev.tsv"), rteRows(rnd, 40, true));
        Files.writeString(dir.resolve("test.tsv"), rteRows(rnd, 10, false));
    }

    private static String rteRows(Random rnd, int n, boolean labelled) {
        StringBuilder b =
                new StringBuilder(
                        labelled
                                ? "index\tsentence1\tsentence2\tlabel\n"
                                : "index\tsentence1\tsentence2\n");
        for (int i = 0; i < n; i++) {
            String s =
                    SUBJECTS[rnd.nextInt(SUBJECTS.length)] + " " + VERBS[rnd.nextInt(VERBS.length)];
            boolean negated = i % 2 == 0;
            String h = negated ? "it is not true that " + s : s;
            b.append(i).append('\t').append(s).append(" .\t").append(h).append(" .");
            if (labelled) {
                b.append('\t').append(negated ? "not_entailment" : "entailment");
            }
            b.append('\n');
        }
        return b.toString();
    }

    static void writeStsb(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(11);
        Files.writeString(dir.resolve("train.tsv"), stsbRows(rnd, 48));
        Files.writeString(dir.resolve("dev.tsv"), stsbRows(rnd, 24));
    }

    private static String stsbRows(Random rnd, int n) {
        StringBuilder b =
                new StringBuilder(
                        "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n");
        for (int i = 0; i < n; i++) {
            String s =
                    SUBJECTS[rnd.nextInt(SUBJECTS.length)] + " " + VERBS[rnd.nextInt(VERBS.length)];
            boolean same = i % 2 == 0;
            String t = same ? s : "nothing " + VERBS[rnd.nextInt(VERBS.length)];
            b.append(i)
                    .append("\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\t")
                    .append(s)
                    .append('\t')
                    .append(t)
                    .append('\t')
                    .append(same ? "5.000" : "0.500")
                    .append('\n');
        }
        return b.toString();
    }

    private static FinetuneConfig options(GlueTask task, Path out, int seeds, int epochs) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return FinetuneConfig.builder()
                .setPretrained(run)
                .setTask(task)
                .setGlueDir(glue)
                .setOutDir(out)
                .optLog(quiet)
                .optSeeds(seeds)
                .optEpochs(epochs)
                .optLearningRate(1e-3f)
                .optBatchSize(8)
                .optMaxLength(32)
                .build();
    }

    @Test
    void rteLearnsTheCueKeepsTheBestAndReloadsIdentically() throws IOException {
        Path out = tmp.resolve("rte");
        GlueFinetuner.Result r = GlueFinetuner.run(options(GlueTask.RTE, out, 2, 5));

        assertEquals(2, r.seeds().size());
        for (GlueFinetuner.SeedResult s : r.seeds()) {
            assertTrue(
                    s.mainScore() >= 0.85, "seed " + s.seed() + " dev accuracy " + s.mainScore());
            assertTrue(
                    Files.isRegularFile(
                            out.resolve("seed-" + s.seed()).resolve("best/classifier.params")));
        }
        JsonObject results =
                JsonParser.parseString(Files.readString(out.resolve("results.json")))
                        .getAsJsonObject();
        assertEquals("RTE", results.get("task").getAsString());
        assertEquals(2, results.getAsJsonArray("seeds").size());
        double a = r.seeds().get(0).mainScore();
        double b = r.seeds().get(1).mainScore();
        assertEquals(
                (a + b) / 2, results.getAsJsonObject("median").get("accuracy").getAsDouble(), 1e-9);
        List<String> lines = Files.readAllLines(out.resolve("seed-1/metrics.jsonl"));
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"loss\"") && l.contains("\"lr\"")));
        // 96 rows / 8 = 12 steps per epoch, 5 epochs, evaluated every half epoch: 10 dev lines
        assertEquals(10, lines.stream().filter(l -> l.contains("\"split\":\"dev\"")).count());

        // the kept model reproduces its recorded dev accuracy and is deterministic after reload
        List<GlueExample> dev = GlueReader.read(glue, GlueTask.RTE, GlueSplit.DEV);
        float[][] first;
        try (FineTunedModel m = FineTunedModel.load(out.resolve("seed-1"))) {
            first = m.outputs(dev, 8);
            double accuracy =
                    FineTunedModel.score(GlueTask.RTE, GlueSplit.DEV, first, dev).mainScore();
            assertEquals(r.seeds().get(0).mainScore(), accuracy, 1e-9);
        }
        try (FineTunedModel m = FineTunedModel.load(out.resolve("seed-1/best"))) {
            float[][] again = m.outputs(dev, 13);
            for (int i = 0; i < first.length; i++) {
                assertArrayEquals(first[i], again[i], 1e-5f);
            }
            List<GlueExample> test = GlueReader.read(glue, GlueTask.RTE, GlueSplit.TEST);
            Path file =
                    GlueSubmissionWriter.write(
                            tmp.resolve("submission"),
                            GlueTask.RTE,
                            GlueSplit.TEST,
                            test,
                            FineTunedModel.labels(m.outputs(test, 4)));
            List<String> rows = Files.readAllLines(file);
            assertEquals("index\tprediction", rows.get(0));
            assertEquals(11, rows.size());
            assertTrue(
                    rows.stream()
                            .skip(1)
                            .allMatch(l -> l.matches("\\d+\t(entailment|not_entailment)")));
        }
        assertTrue(Files.isRegularFile(out.resolve("best/config.json")));
    }

    @Test
    void stsbRegressionReportsCorrelations() throws IOException {
        Path out = tmp.resolve("stsb");
        GlueFinetuner.Result r = GlueFinetuner.run(options(GlueTask.STS_B, out, 1, 8));
        var best = GlueFinetuner.flatten(r.seeds().get(0).best());
        assertEquals(List.of("pearson", "spearman"), new ArrayList<>(best.keySet()));
        assertTrue(best.get("pearson") > 0.5, "pearson " + best);
        try (FineTunedModel m = FineTunedModel.load(out)) {
            assertEquals(1, m.config().numLabels());
            assertEquals(GlueTask.STS_B, m.config().task());
        }
    }
}
