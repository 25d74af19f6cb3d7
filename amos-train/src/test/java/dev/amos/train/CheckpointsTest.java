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

/**
 * Checkpoint folders without a model: atomic naming, manifests, leftovers of killed writers,
 * fallback.
 */
class CheckpointsTest {

    private static Checkpoints.Content files(long step, String model) {
        return dir -> {
            Files.writeString(dir.resolve(Checkpoints.MODEL), model);
            Files.writeString(dir.resolve(Checkpoints.STATE), "{\"step\": " + step + "}");
        };
    }

    @Test
    void halfWrittenFoldersOfAKilledWriterAreRemovedByTheNextSave(@TempDir Path run)
            throws IOException {
        Path root = Files.createDirectories(Checkpoints.root(run));
        Path killedTmp = Files.createDirectories(root.resolve(".step-20.tmp-4242"));
        Files.writeString(killedTmp.resolve(Checkpoints.MODEL), "half");
        Path killedOld = Files.createDirectories(root.resolve(".step-10.old-4242"));
        Path unrelated = Files.createDirectories(root.resolve(".keep-me"));

        Path saved = Checkpoints.save(run, 30, 3, files(30, "weights"));

        assertFalse(Files.exists(killedTmp));
        assertFalse(Files.exists(killedOld));
        assertTrue(
                Files.exists(unrelated),
                "only the checkpoint writer's own temporary names are deleted");
        assertEquals(root.resolve("step-30"), saved);
        assertNull(Checkpoints.verify(saved));
    }

    @Test
    void onlyTheNewestAreKeptAndADamagedNewestFallsBackWithANote(@TempDir Path run)
            throws IOException {
        for (long step = 10; step <= 40; step += 10) {
            Checkpoints.save(run, step, 3, files(step, "weights-" + step));
        }
        assertEquals(
                List.of(20L, 30L, 40L),
                Checkpoints.list(run).stream().map(Checkpoints.Checkpoint::step).toList());
        Files.writeString(
                Checkpoints.root(run).resolve("step-40").resolve(Checkpoints.MODEL), "weights-4x");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Checkpoints.Checkpoint c =
                Checkpoints.latestValid(run, new PrintStream(log, true)).orElseThrow();
        assertEquals(30, c.step());
        assertTrue(
                log.toString()
                        .contains(
                                "step-40 is damaged (model.params fails its sha256 checksum); falling back"),
                log.toString());
    }

    @Test
    void aFolderWhoseNameDisagreesWithItsManifestIsNotTrusted(@TempDir Path run)
            throws IOException {
        Checkpoints.save(run, 20, 5, files(20, "weights-20"));
        Checkpoints.save(run, 40, 5, files(40, "weights-40"));
        Path root = Checkpoints.root(run);
        Files.move(root.resolve("step-20"), root.resolve("step-900"));
        assertEquals(
                "manifest.json records step 20, the folder name step 900",
                Checkpoints.verify(root.resolve("step-900")));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(
                40, Checkpoints.latestValid(run, new PrintStream(log, true)).orElseThrow().step());
        String said = log.toString();
        assertEquals(1, said.lines().count(), said);
        assertTrue(
                said.contains(
                        "step-900 is not trusted (manifest.json records step 20, the folder name step 900);"
                                + " falling back"),
                said);
    }

    @Test
    void retentionOrdersByTheManifestsStepAndKeepsTheNewestVerified(@TempDir Path run)
            throws IOException {
        Path root = Checkpoints.root(run);
        Checkpoints.save(run, 20, 5, files(20, "weights-20"));
        Checkpoints.save(run, 40, 5, files(40, "weights-40"));
        Files.move(
                root.resolve("step-20"),
                root.resolve("step-900")); // by name the newest; by its manifest step 20
        Checkpoints.save(run, 60, 2, files(60, "weights-60"));
        assertTrue(
                Files.isDirectory(root.resolve("step-40")),
                "step 40 is newer than the step 20 of step-900");
        assertFalse(Files.exists(root.resolve("step-900")), "the oldest by manifest step goes");
        assertTrue(Files.isDirectory(root.resolve("step-60")));

        // a damaged step-80 that resume skipped: the run redoes steps 61..80; the checkpoint just
        // written stays
        Checkpoints.save(run, 80, 5, files(80, "weights-80"));
        Files.writeString(root.resolve("step-80").resolve(Checkpoints.MODEL), "weights-8x");
        Checkpoints.save(run, 70, 1, files(70, "weights-70"));
        assertEquals(
                List.of(70L, 80L),
                Checkpoints.list(run).stream().map(Checkpoints.Checkpoint::step).toList());
        assertNull(Checkpoints.verify(root.resolve("step-70")));
        assertEquals(
                70,
                Checkpoints.latestValid(run, new PrintStream(new ByteArrayOutputStream()))
                        .orElseThrow()
                        .step());
    }
}
