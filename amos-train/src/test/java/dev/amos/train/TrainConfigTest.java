package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import dev.amos.model.Objective;
import dev.amos.train.data.MaskingConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training settings: one place for the defaults, config.json's keys, strict binding. */
class TrainConfigTest {

    /**
     * The keys of a run's config.json "training" object, as e6decba wrote them (and every run
     * writes them that sets no key whose default is the objective's).
     */
    private static final List<String> CONFIG_JSON_KEYS =
            List.of(
                    "steps",
                    "batch_size",
                    "accumulate",
                    "seq_len",
                    "lr",
                    "warmup",
                    "weight_decay",
                    "adam_beta1",
                    "adam_beta2",
                    "adam_epsilon",
                    "clip_norm",
                    "rtd_weight",
                    "mask_probability",
                    "seed",
                    "log_every",
                    "checkpoint_every",
                    "keep_checkpoints",
                    "max_skipped_steps");

    @Test
    void defaultsComeFromTheConstantsAndWarmupIsATenthOfTheSteps() {
        TrainConfig c = TrainConfig.builder().optSteps(1000).build();
        assertEquals(100, c.warmupSteps());
        assertEquals(0.98f, c.beta2());
        assertEquals(5e-4f, c.learningRate());
        assertEquals(
                30, TrainConfig.builder().build().warmupSteps(), "10% of the default 300 steps");
        assertEquals(
                0,
                TrainConfig.builder().optWarmupSteps(0).build().warmupSteps(),
                "an explicit 0 stays 0");
        assertEquals(32L * 128 * 3, TrainConfig.builder().optAccumulate(3).build().tokensPerStep());
    }

    @Test
    void configJsonKeepsItsKeysAndRoundTrips() {
        TrainConfig c =
                TrainConfig.builder()
                        .optSteps(60)
                        .optSeed(7)
                        .optLogEvery(10)
                        .optCheckpointEvery(30)
                        .optBetas(0.8f, 0.9f)
                        .optLearningRate(1e-3f)
                        .build();
        JsonObject json = c.toJson();
        assertEquals(CONFIG_JSON_KEYS, List.copyOf(json.keySet()));
        TrainConfig again =
                TrainConfig.fromJson(
                        JsonParser.parseString(json.toString()).getAsJsonObject(), "config.json");
        assertEquals(json, again.toJson());
        assertEquals(0.8f, again.beta1());
        assertEquals(json, c.toBuilder().build().toJson(), "toBuilder keeps every value");
        JsonObject partial = JsonParser.parseString("{\"steps\": 50}").getAsJsonObject();
        assertEquals(
                TrainConfig.builder().optSteps(50).build().toJson(),
                TrainConfig.fromJson(partial, "x").toJson(),
                "missing keys take the defaults");
    }

    @Test
    void unknownKeysAndBadValuesAreRejectedNamingTheFileAndKey() {
        JsonObject typo =
                JsonParser.parseString("{\"steps\": 50, \"warmup_steps\": 5}").getAsJsonObject();
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> TrainConfig.fromJson(typo, "run/config.json"));
        assertTrue(
                e.getMessage().startsWith("run/config.json: unknown training key \"warmup_steps\""),
                e.getMessage());
        assertTrue(e.getMessage().contains("warmup"), "lists the expected keys: " + e.getMessage());
        JsonObject text = JsonParser.parseString("{\"steps\": \"many\"}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(text, "c.json"));
        assertTrue(
                e.getMessage().contains("c.json: training key \"steps\": expected a number"),
                e.getMessage());
        JsonObject negative = JsonParser.parseString("{\"steps\": -1}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(negative, "c.json"));
        assertEquals(
                "c.json: training key \"steps\" (--steps): expected an integer >= 1, got -1",
                e.getMessage());
        JsonObject beta = JsonParser.parseString("{\"adam_beta1\": 1}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(beta, "c.json"));
        assertEquals(
                "c.json: training key \"adam_beta1\": expected a number in [0, 1), got 1.0",
                e.getMessage());
        JsonObject warmup =
                JsonParser.parseString("{\"steps\": 10, \"warmup\": 11}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(warmup, "c.json"));
        assertEquals(
                "c.json: --warmup 11 exceeds --steps 10: expected --warmup in [0, 10]",
                e.getMessage());
    }

    @Test
    void maskingIsTheObjectivesUnlessTheRunSetsWhatASelectedTokenBecomes() {
        TrainConfig defaults = TrainConfig.builder().optMaskProbability(0.2f).build();
        assertEquals(new MaskingConfig(0.2f, 1.0, 0.0), defaults.masking(Objective.AMOS));
        assertEquals(new MaskingConfig(0.2f, 0.85, 0.0), defaults.masking(Objective.ELECTRA));
        assertEquals(new MaskingConfig(0.2f, 0.8, 0.1), defaults.masking(Objective.MLM));
        assertTrue(
                !defaults.toJson().has("mask_token_probability"),
                "unset: config.json stays as older runs wrote it");
        TrainConfig allMask =
                TrainConfig.builder()
                        .opt(TrainKey.MASK_TOKEN_PROBABILITY, 1f)
                        .opt(TrainKey.RANDOM_TOKEN_PROBABILITY, 0f)
                        .build();
        MaskingConfig mlm = allMask.masking(Objective.MLM);
        assertEquals(1.0, mlm.maskProbability(), 1e-9);
        assertEquals(0.0, mlm.randomProbability(), 1e-9);
        TrainConfig again = TrainConfig.fromJson(allMask.toJson(), "config.json");
        assertEquals(mlm, again.masking(Objective.MLM), "config.json keeps the run's masking");
        TrainConfig onlyMask =
                TrainConfig.builder().opt(TrainKey.MASK_TOKEN_PROBABILITY, 1f).build();
        assertEquals(new MaskingConfig(0.15f, 1.0, 0.0), onlyMask.masking(Objective.ELECTRA));
        BadInputException e =
                assertThrows(BadInputException.class, () -> onlyMask.masking(Objective.MLM));
        assertEquals(
                "--mask-token-prob 1.0 + --random-token-prob 0.1 exceeds 1 (unset: the mlm"
                        + " objective's): expected shares of the masked tokens summing to at most 1"
                        + " (the rest stay as they are)",
                e.getMessage());
    }

    @Test
    void aRangeErrorNamesTheOptionAndWhatWasExpected() {
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () -> TrainConfig.builder().optMaskProbability(1f).build());
        assertEquals("--mask-prob: expected a number in (0, 1), got 1.0", e.getMessage());
        e =
                assertThrows(
                        BadInputException.class,
                        () -> TrainConfig.builder().optLearningRate(Float.NaN).build());
        assertEquals("--lr: expected a number > 0, got NaN", e.getMessage());
        e =
                assertThrows(
                        BadInputException.class,
                        () -> TrainConfig.builder().optBetas(0.9f, -0.1f).build());
        assertEquals("adam_beta2: expected a number in [0, 1), got -0.1", e.getMessage());
        e =
                assertThrows(
                        BadInputException.class,
                        () -> TrainConfig.builder().optSteps(5).optWarmupSteps(6).build());
        assertEquals("--warmup 6 exceeds --steps 5: expected --warmup in [0, 5]", e.getMessage());
    }

    /**
     * Every key of the table: its default is in its range, and a value of its own survives
     * config.json and toBuilder.
     */
    @Test
    void everyKeyRoundTripsThroughConfigJson() {
        List<String> unsetByDefault = List.of("mask_token_probability", "random_token_probability");
        assertEquals(
                CONFIG_JSON_KEYS,
                Arrays.stream(TrainKey.values())
                        .map(TrainKey::key)
                        .filter(k -> !unsetByDefault.contains(k))
                        .toList());
        TrainConfig defaults = TrainConfig.builder().build();
        for (TrainKey key : TrainKey.values()) {
            boolean unset = defaults.get(key) == null;
            assertEquals(unsetByDefault.contains(key.key()), unset, key + " has a default value");
            Number mine =
                    unset
                            ? 0.5
                            : key.integral()
                                    ? (Number) (defaults.get(key).longValue() + 1)
                                    : defaults.get(key).doubleValue() / 2;
            assertTrue(
                    key.range().contains(mine.doubleValue()),
                    key + ": " + mine + " is not a value of its own");
            assertTrue(
                    key.defaultValue() == null
                            || key.range().contains(key.defaultValue().doubleValue()),
                    key + "'s default");
            TrainConfig c = TrainConfig.builder().opt(key, mine).build();
            assertEquals(key.coerce(mine), c.get(key), key + " is not set by opt");
            assertTrue(!c.get(key).equals(defaults.get(key)), key + " kept its default");
            JsonObject json = c.toJson();
            assertEquals(
                    Arrays.stream(TrainKey.values())
                            .map(TrainKey::key)
                            .filter(k -> !unsetByDefault.contains(k) || k.equals(key.key()))
                            .toList(),
                    List.copyOf(json.keySet()));
            TrainConfig again =
                    TrainConfig.fromJson(
                            JsonParser.parseString(json.toString()).getAsJsonObject(),
                            "config.json");
            assertEquals(
                    c.get(key), again.get(key), key + " does not round-trip through config.json");
            assertEquals(json, again.toJson());
            assertEquals(c.get(key), c.toBuilder().build().get(key), key + " is lost by toBuilder");
        }
    }
}
