package dev.amos.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amos.model.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared file plumbing: atomic writes and folder swaps, SHA-256, the line reader's two
 * policies.
 */
class AtomicFilesTest {

    @TempDir Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesTheGoodFileAndNoTemporary() throws IOException {
        Path file = dir.resolve("state.bin");
        AtomicFiles.write(file, out -> out.write("good".getBytes(StandardCharsets.UTF_8)));
        assertThrows(
                IOException.class,
                () ->
                        AtomicFiles.write(
                                file,
                                out -> {
                                    out.write("half".getBytes(StandardCharsets.UTF_8));
                                    throw new IOException("disk full");
                                }));
        assertEquals("good", Files.readString(file));
        assertEquals(List.of("state.bin"), names());
    }

    @Test
    void replaceFolderSwapsInTheCompleteFolderAndDeletesTheOld() throws IOException {
        Path target = dir.resolve("best");
        Files.createDirectories(target.resolve("sub"));
        Files.writeString(target.resolve("sub/old.txt"), "old");
        Path staging = dir.resolve(".best.tmp");
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("new.txt"), "new");
        AtomicFiles.replaceFolder(staging, target);
        assertEquals(List.of("best"), names(), "no staging or old folder left");
        assertEquals("new", Files.readString(target.resolve("new.txt")));
        assertTrue(Files.notExists(target.resolve("sub")));
        AtomicFiles.deleteTree(target);
        AtomicFiles.deleteTree(target); // absent: nothing to do
        assertEquals(List.of(), names());
    }

    @Test
    void sha256AndTheLineReadersTwoUtf8Policies() throws IOException {
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)));
        Path file =
                Files.write(
                        dir.resolve("t.tsv"),
                        new byte[] {
                            (byte) 0xEF,
                            (byte) 0xBB,
                            (byte) 0xBF,
                            'a',
                            '\r',
                            '\n',
                            'b',
                            (byte) 0xFF,
                            '\n',
                            'c'
                        });
        assertEquals(Sha256.of(Files.readAllBytes(file)), Sha256.of(file));
        try (LineReader lenient = new LineReader(file)) {
            assertEquals("a", lenient.readLine(), "BOM and CR dropped");
            assertEquals("b\uFFFD", lenient.readLine());
            assertEquals("c", lenient.readLine(), "a last line without LF");
            assertNull(lenient.readLine());
            assertEquals(1, lenient.invalidUtf8());
            assertEquals(2, lenient.firstInvalidUtf8Line());
            assertEquals(1, lenient.crlfLines());
        }
        try (LineReader strict = new LineReader(file, true)) {
            assertEquals("a", strict.readLine());
            BadInputException e = assertThrows(BadInputException.class, strict::readLine);
            assertTrue(
                    e.getMessage().contains(file + ":2")
                            && e.getMessage().contains("invalid byte sequence"),
                    e.getMessage());
        }
    }
}
