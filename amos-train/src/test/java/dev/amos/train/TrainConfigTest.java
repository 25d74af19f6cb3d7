package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amos.model.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training settings: one place for the defaults, config.json's keys, strict binding. */
class TrainConfigTest {

    /** The keys of a run's config.json "training" object, as e6decba wrote them. */
    private static final List<String> CONFIG_JSON_KEYS = List.of("steps", "batch_size", "accumulate", "seq_len", "lr",
            "warmup", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "clip_norm", "rtd_weight",
            "mask_probability", "seed", "log_every", "checkpoint_every", "keep_checkpoints", "max_skipped_steps");

    @Test
    void defaultsComeFromTheConstantsAndWarmupIsATenthOfTheSteps() {
        TrainConfig c = TrainConfig.builder().optSteps(1000).build();
        assertEquals(100, c.warmupSteps());
        assertEquals(TrainConfig.DEFAULT_BETA2, c.beta2());
        assertEquals(TrainConfig.DEFAULT_LEARNING_RATE, c.learningRate());
        assertEquals(30, TrainConfig.builder().build().warmupSteps(), "10% of the default 300 steps");
        assertEquals(0, TrainConfig.builder().optWarmupSteps(0).build().warmupSteps(), "an explicit 0 stays 0");
        assertEquals((long) TrainConfig.DEFAULT_BATCH_SIZE * TrainConfig.DEFAULT_SEQ_LEN * 3,
                TrainConfig.builder().optAccumulate(3).build().tokensPerStep());
    }

    @Test
    void configJsonKeepsItsKeysAndRoundTrips() {
        TrainConfig c = TrainConfig.builder().optSteps(60).optSeed(7).optLogEvery(10).optCheckpointEvery(30)
                .optBetas(0.8f, 0.9f).optLearningRate(1e-3f).build();
        JsonObject json = c.toJson();
        assertEquals(CONFIG_JSON_KEYS, List.copyOf(json.keySet()));
        TrainConfig again = TrainConfig.fromJson(JsonParser.parseString(json.toString()).getAsJsonObject(), "config.json");
        assertEquals(json, again.toJson());
        assertEquals(0.8f, again.beta1());
        assertEquals(json, c.toBuilder().build().toJson(), "toBuilder keeps every value");
        JsonObject partial = JsonParser.parseString("{\"steps\": 50}").getAsJsonObject();
        assertEquals(TrainConfig.builder().optSteps(50).build().toJson(), TrainConfig.fromJson(partial, "x").toJson(),
                "missing keys take the defaults");
    }

    @Test
    void unknownKeysAndBadValuesAreRejectedNamingTheFileAndKey() {
        JsonObject typo = JsonParser.parseString("{\"steps\": 50, \"warmup_steps\": 5}").getAsJsonObject();
        BadInputException e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(typo, "run/config.json"));
        assertTrue(e.getMessage().startsWith("run/config.json: unknown training key \"warmup_steps\""), e.getMessage());
        assertTrue(e.getMessage().contains("warmup"), "lists the expected keys: " + e.getMessage());
        JsonObject text = JsonParser.parseString("{\"steps\": \"many\"}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(text, "c.json"));
        assertTrue(e.getMessage().contains("c.json: training key \"steps\": expected a number"), e.getMessage());
        JsonObject negative = JsonParser.parseString("{\"steps\": -1}").getAsJsonObject();
        e = assertThrows(BadInputException.class, () -> TrainConfig.fromJson(negative, "c.json"));
        assertEquals("--steps must be a positive integer", e.getMessage());
    }
}
