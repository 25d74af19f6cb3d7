package dev.amos.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.eval.glue.AmosPieceRules;
import dev.amos.eval.glue.GlueExample;
import dev.amos.eval.glue.GluePairEncoder;
import dev.amos.importer.ReferenceFixtures.Case;
import dev.amos.importer.ReferenceFixtures.Reference;
import dev.amos.model.BlockFiles;
import dev.amos.model.Encoder;
import dev.amos.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Imports each fixture and compares ids and hidden states with what Microsoft's code computed. */
class ReleasedModelImporterTest {

    static final float TOLERANCE = 1e-4f;

    @TempDir Path tmp;

    /** Every command encodes through GluePairEncoder: ids must equal the reference's exactly. */
    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void theModelFoldersTokenizerGivesTheReferenceIds(String name) throws Exception {
        Path from = ReferenceFixtures.folder(name);
        Reference ref = ReferenceFixtures.reference(from);
        Path out = tmp.resolve("model");
        ReleasedModelImporter.run(from, out, s -> {});
        Aliases aliasFrom = Aliases.of(out);
        List<String> diffs = new ArrayList<>();
        try (GluePairEncoder encoder =
                GluePairEncoder.load(out.resolve("tokenizer.json"), ref.maxLength())) {
            for (Case c : cases(ref)) {
                long[] ids =
                        unkAliasesAsUnk(
                                encoder.inputIds(new GlueExample("x", c.textA(), c.textB(), 0, 0f)),
                                aliasFrom);
                if (!Arrays.equals(ids, c.ids())) {
                    diffs.add(
                            c.textA()
                                    + " | "
                                    + c.textB()
                                    + "\n  ours "
                                    + Arrays.toString(ids)
                                    + "\n  ref  "
                                    + Arrays.toString(c.ids()));
                }
            }
        }
        assertTrue(diffs.isEmpty(), String.join("\n", diffs));
    }

    /**
     * tokenizer.json alone (what DJL Serving runs) differs from the reference only by the two
     * documented steps: with {@link AmosPieceRules} applied to each text's pieces, ids are equal.
     */
    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void tokenizerJsonAloneDiffersOnlyByTheDocumentedSteps(String name) throws Exception {
        Path from = ReferenceFixtures.folder(name);
        Reference ref = ReferenceFixtures.reference(from);
        Path out = tmp.resolve("model");
        ReleasedModelImporter.run(from, out, s -> {});
        Aliases aliasFrom = Aliases.of(out);
        AmosPieceRules rules = AmosPieceRules.of(out.resolve("tokenizer.json")).orElseThrow();
        int differAlone = 0;
        try (HuggingFaceTokenizer tok =
                HuggingFaceTokenizer.newInstance(
                        out.resolve("tokenizer.json"),
                        Map.of(
                                "truncation",
                                "false",
                                "padding",
                                "false",
                                "addSpecialTokens",
                                "false"))) {
            for (Case c : ref.singles()) {
                Encoding e = tok.encode(c.textA(), false);
                if (e.getIds().length > ref.maxLength() - 2) {
                    continue; // the reference cuts after its own steps
                }
                long[] withRules = new long[e.getIds().length + 2];
                long[] kept = rules.ids(e, c.textA());
                withRules = new long[kept.length + 2];
                withRules[0] = FairseqDictionary.BOS;
                System.arraycopy(kept, 0, withRules, 1, kept.length);
                withRules[kept.length + 1] = FairseqDictionary.EOS;
                assertArrayEquals(c.ids(), unkAliasesAsUnk(withRules, aliasFrom), c.textA());
                differAlone +=
                        Arrays.equals(
                                        unkAliasesAsUnk(
                                                tok.encode(c.textA(), true).getIds(), aliasFrom),
                                        c.ids())
                                ? 0
                                : 1;
            }
        }
        System.out.println(
                name
                        + ": tokenizer.json alone differs from the reference on "
                        + differAlone
                        + " of "
                        + ref.singles().size()
                        + " single texts");
    }

    /** The tokenizer's alias ids (from vocab_size on) and the ids whose rows they copy. */
    record Aliases(int from, long[] rows) {
        static Aliases of(Path model) throws java.io.IOException {
            JsonObject j = importJson(model);
            return new Aliases(
                    j.get("aliases_from").getAsInt(),
                    j.getAsJsonArray("alias_rows").asList().stream()
                            .mapToLong(e -> e.getAsLong())
                            .toArray());
        }
    }

    /** Ids with every alias replaced by the id it stands for (the reference's id). */
    static long[] unkAliasesAsUnk(long[] ids, Aliases aliases) {
        long[] r = ids.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = r[i] >= aliases.from() ? aliases.rows()[(int) (r[i] - aliases.from())] : r[i];
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"amos-hf-tiny", "cocolm-hf-legacy"})
    void hiddenStatesEqualTheReference(String name) throws Exception {
        Path from = ReferenceFixtures.folder(name);
        Reference ref = ReferenceFixtures.reference(from);
        Path out = tmp.resolve("model");
        ReleasedModelImporter.run(from, out, s -> {});
        ModelConfig model =
                ModelConfig.fromJson(
                        JsonParser.parseString(Files.readString(out.resolve("config.json")))
                                .getAsJsonObject()
                                .getAsJsonObject("model"),
                        "config.json");
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoder encoder = Encoder.owning(model.discriminator());
            encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
            BlockFiles.load(encoder, manager, out.resolve("encoder.params"));
            for (List<Case> batch : List.of(ref.singles(), ref.pairs())) {
                float[][][] hidden = encodeBatch(encoder, manager, batch);
                for (int i = 0; i < batch.size(); i++) {
                    float[][] expected = batch.get(i).hidden();
                    assertEquals(batch.get(i).ids().length, expected.length);
                    for (int j = 0; j < expected.length; j++) {
                        for (int k = 0; k < expected[j].length; k++) {
                            assertEquals(
                                    expected[j][k],
                                    hidden[i][j][k],
                                    TOLERANCE,
                                    name + " text " + i + " token " + j + " dim " + k);
                        }
                    }
                }
            }
        }
    }

    /** The last hidden states of a padded batch (pad id 1, mask 0), as the reference ran it. */
    static float[][][] encodeBatch(Encoder encoder, NDManager manager, List<Case> batch) {
        int longest = batch.stream().mapToInt(c -> c.ids().length).max().orElse(1);
        long[] ids = new long[batch.size() * longest];
        long[] mask = new long[ids.length];
        Arrays.fill(ids, FairseqDictionary.PAD);
        for (int i = 0; i < batch.size(); i++) {
            long[] c = batch.get(i).ids();
            System.arraycopy(c, 0, ids, i * longest, c.length);
            Arrays.fill(mask, i * longest, i * longest + c.length, 1L);
        }
        try (NDManager sub = manager.newSubManager()) {
            NDArray out =
                    encoder.encode(
                            new ParameterStore(sub, false),
                            sub.create(ids, new Shape(batch.size(), longest)),
                            sub.create(mask, new Shape(batch.size(), longest)),
                            false);
            int h = (int) out.getShape().get(2);
            float[] flat = out.toFloatArray();
            float[][][] r = new float[batch.size()][longest][h];
            for (int i = 0; i < batch.size(); i++) {
                for (int j = 0; j < longest; j++) {
                    System.arraycopy(flat, (i * longest + j) * h, r[i][j], 0, h);
                }
            }
            return r;
        }
    }

    static List<Case> cases(Reference ref) {
        List<Case> all = new ArrayList<>(ref.singles());
        all.addAll(ref.pairs());
        return all;
    }

    static JsonObject importJson(Path out) throws java.io.IOException {
        return JsonParser.parseString(Files.readString(out.resolve("config.json")))
                .getAsJsonObject()
                .getAsJsonObject("import");
    }
}
