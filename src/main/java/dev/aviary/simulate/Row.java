package dev.aviary.simulate;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One judge on one scenario. Rates are over all runs; times and counts are over the runs that ended that way;
 * null where it does not apply (no false rollbacks on a bad canary, no power on a good one) or nothing happened.
 * {@code medianFailedRequestsBeforeRollback} counts every 5xx the canary served before the rollback, mirrored copies
 * included; {@code medianUserFailedRequestsBeforeRollback} only those users received (none in a mirror step).
 */
@JsonPropertyOrder({"judge", "scenario", "runs", "falseRollbackRate", "power", "medianSecondsToRollback", "p90SecondsToRollback",
        "medianFailedRequestsBeforeRollback", "medianUserFailedRequestsBeforeRollback", "medianSecondsToPromote"})
public record Row(
        String judge,
        String scenario,
        int runs,
        Double falseRollbackRate,
        Double power,
        Double medianSecondsToRollback,
        Double p90SecondsToRollback,
        Double medianFailedRequestsBeforeRollback,
        Double medianUserFailedRequestsBeforeRollback,
        Double medianSecondsToPromote,
        @JsonIgnore double promoteRate,
        @JsonIgnore double timeoutRate) {}
