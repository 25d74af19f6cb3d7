package dev.amos.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReportHtmlTest {

    @Test
    void compactNumbersKeepFewDigitsAndUseExponentsOnlyForExtremes() {
        assertEquals("2.5e-4", ReportHtml.compact(2.5e-4, 3));
        assertEquals("1200", ReportHtml.compact(1200, 3));
        assertEquals("0.25", ReportHtml.compact(0.25, 4));
        assertEquals("3.142", ReportHtml.compact(Math.PI, 4));
        assertEquals("1.235e7", ReportHtml.compact(12_345_678, 4));
        assertEquals("-1e-5", ReportHtml.compact(-0.00001, 4));
        assertEquals(
                "1e7", ReportHtml.compact(9_999_999, 3), "rounding up carries into the exponent");
        assertEquals("n/a", ReportHtml.compact(Double.NaN, 4));
    }
}
