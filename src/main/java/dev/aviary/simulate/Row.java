package dev.aviary.simulate;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One judge on one scenario. Rates are over all runs; times and counts are over the runs that ended that way;
 * null where it does not apply (no false rollbacks on a bad canary, no power on a good one) or nothing happened.
 */
@JsonPropertyOrder({"judge", "scenario", "runs", "falseRollbackRate", "power", "medianSecondsToRollback", "p90SecondsToRollback",
        "medianFailedRequestsBeforeRollback", "medianSecondsToPromote"})
public record Row(
        String judge,
        String scenario,
        int runs,
        Double falseRollbackRate,
        Double power,
        Double medianSecondsToRollback,
        Double p90SecondsToRollback,
        Double medianFailedRequestsBeforeRollback,
        Double medianSecondsToPromote,
        @JsonIgnore double promoteRate,
        @JsonIgnore double timeoutRate) {}
