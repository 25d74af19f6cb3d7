package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {

    private static final Path MODELS = TinyBatch.repoRoot().resolve("models");

    @Test
    void everyPresetLoadsAndRoundTripsThroughJson() {
        assertEquals(
                java.util.List.of(
                        "amos-base", "amos-mini", "amos-small", "amos-small-emb128", "amos-tiny"),
                ModelConfig.presets(MODELS));
        for (String name : ModelConfig.presets(MODELS)) {
            ModelConfig c = ModelConfig.load(name, MODELS);
            assertEquals(name, c.name());
            assertEquals(c, ModelConfig.fromJson(c.toJson(), "round trip"));
        }
        ModelConfig base = ModelConfig.load("amos-base", MODELS);
        assertArrayEquals(new int[] {4, 6, 8}, base.mlmLayers());
        assertEquals(8, base.generatorLayers());
        assertEquals(
                768,
                base.amosGenerator(8).hiddenSize(),
                "the AMOS generator is as wide as the discriminator");
        assertEquals(
                256,
                base.electraGenerator().hiddenSize(),
                "the ELECTRA base generator is 1/3 wide");
        assertEquals(64, ModelConfig.load("amos-small", MODELS).electraGenerator().hiddenSize());
        ModelConfig small =
                ModelConfig.load(
                        "amos-small", MODELS); // fairseq amos_small: 12 x 256, 4 heads, FFN 1024
        assertEquals(
                java.util.List.of(12, 256, 4, 1024, 0),
                java.util.List.of(
                        small.numLayers(),
                        small.hiddenSize(),
                        small.numHeads(),
                        small.ffnSize(),
                        small.embeddingSize()),
                "256 everywhere, no embedding projection");
        assertEquals(
                128,
                ModelConfig.load("amos-small-emb128", MODELS).embeddingSize(),
                "the ELECTRA-small shape");
    }

    @Test
    void unknownKeysAreRejectedWithTheFileAndTheValidKeys(@TempDir Path dir) throws Exception {
        String json =
                Files.readString(MODELS.resolve("amos-tiny.json"))
                        .replace("\"hidden_size\"", "\"hiden_size\"");
        Path f = dir.resolve("typo.json");
        Files.writeString(f, json);
        BadInputException e = assertThrows(BadInputException.class, () -> ModelConfig.load(f));
        assertTrue(e.getMessage().startsWith(f + ": unknown key \"hiden_size\""), e.getMessage());
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
        BadInputException set =
                assertThrows(
                        BadInputException.class,
                        () -> ModelConfig.load("amos-tiny", MODELS).with(Map.of("layers", "3")));
        assertTrue(set.getMessage().contains("unknown model key \"layers\""), set.getMessage());
    }

    @Test
    void impossibleShapesAreRefused() {
        ModelConfig tiny = ModelConfig.load("amos-tiny", MODELS);
        assertThrows(
                BadInputException.class, () -> tiny.with(Map.of("num_heads", "3")), "64 % 3 != 0");
        BadInputException e =
                assertThrows(
                        BadInputException.class, () -> tiny.with(Map.of("mlm_layers", "[2, 1]")));
        assertTrue(e.getMessage().contains("mlm_layers"), e.getMessage());
        assertThrows(BadInputException.class, () -> tiny.with(Map.of("seq_len", "1000")));
        assertThrows(BadInputException.class, () -> ModelConfig.load("amos-huge", MODELS));
        assertThrows(BadInputException.class, () -> tiny.with(Map.of("hidden_size", "sixty")));
        assertThrows(
                BadInputException.class,
                () -> new Amos(tiny, Objective.parse("amos", "single-layer=0")));
        assertThrows(BadInputException.class, () -> Objective.parse("bert", null));
        assertThrows(BadInputException.class, () -> Objective.parse("electra", "uniform"));
    }

    @Test
    void objectivesParseLikeTheCli() {
        assertEquals(Objective.AMOS, Objective.parse("amos", null));
        Objective single = Objective.parse("amos", "single-layer=8");
        assertEquals(Objective.Ablation.SINGLE_LAYER, single.ablation());
        assertArrayEquals(new int[] {8}, single.mlmLayers(ModelConfig.load("amos-base", MODELS)));
        assertEquals("amos/random-layer", Objective.parse("AMOS", "random-layer").label());
        assertTrue(Objective.parse("amos", "full-gradient").adversarial());
        assertTrue(!Objective.parse("amos", "uniform").adversarial());
    }
}
