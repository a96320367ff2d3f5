package dev.aviary.rbac;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests {@link ApiRequestRecorder} wrote since a mark, for tests that count what a piece of code sends to the
 * API server (every test fabric8 client records, so only the lines appended after the mark are read).
 */
public final class ApiRequestLog {

    private ApiRequestLog() {}

    /** Where the log ends now. */
    public static long mark() {
        Path log = ApiRequestRecorder.log();
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The application's requests recorded since {@code mark}. */
    public static List<ApiRequest> applicationSince(long mark) {
        return since(mark).stream().filter(r -> r.origin() == ApiRequestRecorder.Origin.app).toList();
    }

    public static List<ApiRequest> since(long mark) {
        Path log = ApiRequestRecorder.log();
        List<ApiRequest> requests = new ArrayList<>();
        if (!Files.exists(log)) return requests;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            byte[] tail = new byte[(int) (f.length() - mark)];
            f.seek(mark);
            f.readFully(tail);
            String text = new String(tail, StandardCharsets.UTF_8);
            // a line being appended right now is left for the next read
            text = text.substring(0, text.lastIndexOf('\n') + 1);
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) requests.add(ApiRequest.parse(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return requests;
    }
}
