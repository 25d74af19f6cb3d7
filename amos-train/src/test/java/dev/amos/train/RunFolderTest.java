package dev.amos.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks a run folder makes before training starts: writable, and enough disk for its
 * checkpoints.
 */
class RunFolderTest {

    private static final long MB = 1_000_000L;

    @Test
    void spaceEstimateIsWeightsPlusTwoAdamMomentsPerCheckpointPlusFinalModelAndMargin() {
        long params = 10_000_000L; // 40 MB of float32 weights
        assertEquals(120 * MB, RunFolder.checkpointBytes(params));
        assertEquals(
                4 * 120 * MB + 40 * MB + RunFolder.SPACE_MARGIN_BYTES,
                RunFolder.requiredBytes(params, 4));
    }

    @Test
    void tooLittleFreeSpaceIsRefusedWithTheFolderAndTheFigures(@TempDir Path dir)
            throws IOException {
        RunFolder run = RunFolder.create(dir.resolve("run"));
        long params = 10_000_000L;
        long needed = RunFolder.requiredBytes(params, 4);
        List<Path> asked = new ArrayList<>();
        BadInputException e =
                assertThrows(
                        BadInputException.class,
                        () ->
                                run.requireFreeSpace(
                                        params,
                                        4,
                                        p -> {
                                            asked.add(p);
                                            return needed - 1;
                                        }));
        assertEquals(
                List.of(run.dir()),
                asked,
                "free space is measured on the output folder's file store");
        assertTrue(
                e.getMessage().startsWith(run.dir() + ": not enough free disk space"),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(
                                String.format(
                                        java.util.Locale.ROOT,
                                        "expected at least %.1f MB",
                                        needed / 1e6)),
                e.getMessage());
        assertTrue(e.getMessage().contains("--keep-checkpoints"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        run.requireFreeSpace(params, 4, p -> needed); // exactly enough passes
        run.requireFreeSpace(
                params, 4, RunFolder::usableSpace); // a few MB of tiny model fit on the test disk
    }

    @Test
    void usableSpaceOfARealFolderIsPositive(@TempDir Path dir) {
        assertTrue(RunFolder.usableSpace(dir) > 0);
    }

    @Test
    void outputInsideARegularFileIsNotWritable(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        BadInputException inside =
                assertThrows(BadInputException.class, () -> RunFolder.create(file.resolve("run")));
        assertTrue(
                inside.getMessage()
                        .startsWith(file.resolve("run") + ": output folder is not writable"),
                inside.getMessage());
        BadInputException itself =
                assertThrows(BadInputException.class, () -> RunFolder.create(file));
        assertTrue(itself.getMessage().contains("must be a folder"), itself.getMessage());
    }

    @Test
    void readOnlyOutputFolderIsNotWritable(@TempDir Path dir) throws IOException {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            boolean enforced;
            try {
                Files.delete(Files.createTempFile(readOnly, "probe", ".tmp"));
                enforced = false; // root (or CAP_DAC_OVERRIDE) ignores permission bits
            } catch (IOException expected) {
                enforced = true;
            }
            Assumptions.assumeTrue(
                    enforced,
                    "permission bits are not enforced for this user (root); see the regular-file case");
            BadInputException e =
                    assertThrows(
                            BadInputException.class,
                            () -> RunFolder.create(readOnly.resolve("run")));
            assertTrue(e.getMessage().contains("not writable"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aFolderHoldingARunIsRefused(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(RunFolder.CONFIG), "{}");
        BadInputException e = assertThrows(BadInputException.class, () -> RunFolder.create(dir));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
    }
}
