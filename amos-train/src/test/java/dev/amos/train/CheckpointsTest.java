package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint folders without a model: atomic naming, manifests, leftovers of killed writers, fallback. */
class CheckpointsTest {

    private static Checkpoints.Content files(String model) {
        return dir -> {
            Files.writeString(dir.resolve(Checkpoints.MODEL), model);
            Files.writeString(dir.resolve(Checkpoints.STATE), "{\"step\": 1}");
        };
    }

    @Test
    void halfWrittenFoldersOfAKilledWriterAreRemovedByTheNextSave(@TempDir Path run) throws IOException {
        Path root = Files.createDirectories(Checkpoints.root(run));
        Path killedTmp = Files.createDirectories(root.resolve(".step-20.tmp-4242"));
        Files.writeString(killedTmp.resolve(Checkpoints.MODEL), "half");
        Path killedOld = Files.createDirectories(root.resolve(".step-10.old-4242"));
        Path unrelated = Files.createDirectories(root.resolve(".keep-me"));

        Path saved = Checkpoints.save(run, 30, 3, files("weights"));

        assertFalse(Files.exists(killedTmp));
        assertFalse(Files.exists(killedOld));
        assertTrue(Files.exists(unrelated), "only the checkpoint writer's own temporary names are deleted");
        assertEquals(root.resolve("step-30"), saved);
        assertNull(Checkpoints.verify(saved));
    }

    @Test
    void onlyTheNewestAreKeptAndADamagedNewestFallsBackWithANote(@TempDir Path run) throws IOException {
        for (long step = 10; step <= 40; step += 10) {
            Checkpoints.save(run, step, 3, files("weights-" + step));
        }
        assertEquals(List.of(20L, 30L, 40L), Checkpoints.list(run).stream().map(Checkpoints.Checkpoint::step).toList());
        Files.writeString(Checkpoints.root(run).resolve("step-40").resolve(Checkpoints.MODEL), "weights-4x");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Checkpoints.Checkpoint c = Checkpoints.latestValid(run, new PrintStream(log, true)).orElseThrow();
        assertEquals(30, c.step());
        assertTrue(log.toString().contains("step-40 is damaged (model.params fails its sha256 checksum); falling back"),
                log.toString());
    }
}
