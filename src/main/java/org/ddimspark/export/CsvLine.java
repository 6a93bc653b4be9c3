package org.ddimspark.export;

import java.util.List;
import java.util.stream.Collectors;

/** One line of RFC 4180 CSV: fields joined by commas, quoted when they hold a comma, quote or line break. */
public final class CsvLine {

    private CsvLine() {}

    /**
     * Formats a line.
     *
     * @param fields the fields; null is written as an empty field
     * @return the line, without its line break
     */
    public static String of(List<?> fields) {
        return fields.stream().map(CsvLine::field).collect(Collectors.joining(","));
    }

    private static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
