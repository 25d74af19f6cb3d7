package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The folder lock: one holder at a time, the holder's PID named, and gone with a SIGKILLed holder.
 */
class FolderLockTest {

    @TempDir Path tmp;

    /**
     * Starts another JVM that holds the lock of {@code dir} ({@link FolderLock#main}) and waits
     * until it does.
     */
    static Process holdInAnotherProcess(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                FolderLock.class.getName(),
                                dir.toString())
                        .redirectErrorStream(true)
                        .start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine(), "the holder process did not take the lock");
        return p;
    }

    @Test
    void aSecondHolderIsRefusedWithThePidAndAKilledHolderDoesNotBlock() throws Exception {
        Path dir = tmp.resolve("run");
        Process holder = holdInAnotherProcess(dir);
        try {
            BadInputException e =
                    assertThrows(BadInputException.class, () -> FolderLock.acquire(dir));
            assertTrue(e.getMessage().contains("PID " + holder.pid()), e.getMessage());
            assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
        } finally {
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no release by the holder
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        try (FolderLock lock = FolderLock.acquire(dir)) {
            assertEquals(dir, lock.folder());
        }
    }

    @Test
    void aLockIsExclusiveWithinOneProcessAndReusableAfterClose() throws Exception {
        Path dir = tmp.resolve("run");
        try (FolderLock first = FolderLock.acquire(dir)) {
            BadInputException e =
                    assertThrows(BadInputException.class, () -> FolderLock.acquire(dir));
            assertTrue(
                    e.getMessage().contains("PID " + ProcessHandle.current().pid()),
                    e.getMessage());
        }
        FolderLock.acquire(dir).close();
    }
}
