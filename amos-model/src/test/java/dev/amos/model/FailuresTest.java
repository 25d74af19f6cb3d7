package dev.amos.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The last-resort handler speaks with the launcher's name: {@code amos spark} as well as {@code
 * amos}.
 */
class FailuresTest {

    @Test
    void theLineStartsWithTheProgramAndNamesTheCommand() {
        StringWriter err = new StringWriter();
        int code =
                Failures.report(
                        new IllegalStateException("java.io.IOException: disk full"),
                        "amos spark",
                        "amos spark embed",
                        false,
                        new PrintWriter(err, true));
        assertEquals(1, code);
        List<String> lines = err.toString().strip().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(
                lines.get(0).startsWith("amos spark: error: amos spark embed failed: disk full"),
                lines.get(0));

        err = new StringWriter();
        code =
                Failures.report(
                        new RuntimeException(
                                new BadInputException("in.txt: --input: no such file\nmore")),
                        "amos spark",
                        "amos spark embed",
                        false,
                        new PrintWriter(err, true));
        assertEquals(2, code);
        assertEquals("amos spark: in.txt: --input: no such file", err.toString().strip());
    }
}
