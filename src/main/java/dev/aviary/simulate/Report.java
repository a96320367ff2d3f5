package dev.aviary.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;

/** The simulation's output: a Markdown table for people, a JSON array for machines. */
public final class Report {

    private Report() {}

    public static String json(List<Row> rows) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | judge | runs | false rollback | power | median s to rollback | p90 s to rollback | median canary failed requests | median user failed requests | median s to promote | promoted | timed out |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append("| ").append(r.scenario()).append(" | ").append(r.judge()).append(" | ").append(r.runs())
                    .append(" | ").append(rate(r.falseRollbackRate())).append(" | ").append(rate(r.power()))
                    .append(" | ").append(num(r.medianSecondsToRollback())).append(" | ").append(num(r.p90SecondsToRollback()))
                    .append(" | ").append(num(r.medianFailedRequestsBeforeRollback())).append(" | ").append(num(r.medianUserFailedRequestsBeforeRollback()))
                    .append(" | ").append(num(r.medianSecondsToPromote()))
                    .append(" | ").append(rate(r.promoteRate())).append(" | ").append(rate(r.timeoutRate())).append(" |\n");
        }
        return b.toString();
    }

    private static String rate(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String num(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.0f", v);
    }
}
