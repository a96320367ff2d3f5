package dev.aviary.rollout;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.aviary.policy.Policy;
import java.util.List;
import java.util.Map;

/**
 * Everything a restarted daemon needs to continue a rollout.
 *
 * @param phase                 where the rollout stands, as decided; while {@code intended} is set the move
 *                              to it is still in flight
 * @param step                  0-based index of the current step, as stored (people read {@link #stepNumber()})
 * @param stepStartedAt         when the current step's weights were applied (ISO-8601); metric windows start here
 * @param canaryIdentity        what identifies the canary being rolled out (pod-template hash, revision)
 * @param policyHash            the policy's content hash when the rollout started
 * @param intended              weights Aviary decided on and is about to write (null when none is in flight)
 * @param previous              the weights the target had when {@code intended} was decided
 * @param intendedOn            the target's resourceVersion when {@code intended} was decided: if the target still
 *                              has it, the patch never landed; if not, someone wrote the target meanwhile
 * @param attempts              how many times the move to {@code intended} was tried (0 when none is in flight):
 *                              counted before each try, so even a daemon that dies mid-move stops retrying it
 * @param applied               the weights Aviary last saw applied on the target
 * @param canaryWeight          canary weight as applied (for printer columns)
 * @param lastDecision          the last decision (for printer columns)
 * @param message               one line on why the rollout is where it is
 * @param error                 the failure the last ticks ran into, counted while it repeats; null after a tick
 *                              that went through
 * @param noDataSince           when checks started missing data (ISO-8601), null while data flows
 * @param memory                per check, what its judge carries across steps (e-value products...)
 * @param checks                the last verdicts
 * @param history               the last decisions, newest last
 * @param approvedBy            who approved the pause step the rollout is passing (the request's
 *                              {@code aviary.dev/requested-by}), while the approval waits for the step's evidence;
 *                              null otherwise
 */
@JsonIgnoreProperties(value = "stepNumber", allowGetters = true) // written for people and printer columns, never read
public record RolloutStatus(
        Phase phase,
        int step,
        String stepStartedAt,
        String canaryIdentity,
        String policyHash,
        Weights intended,
        Weights previous,
        String intendedOn,
        int attempts,
        Weights applied,
        int canaryWeight,
        Decision lastDecision,
        String message,
        TickError error,
        String noDataSince,
        Map<String, Map<String, Double>> memory,
        List<CheckRecord> checks,
        List<HistoryEntry> history,
        String approvedBy) {

    public RolloutStatus {
        memory = memory == null ? Map.of() : Map.copyOf(memory);
        checks = checks == null ? List.of() : List.copyOf(checks);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /**
     * The current step as people count it: 1 is the policy's first step. Written next to the stored 0-based
     * {@code step} (which stays, so a daemon restarted across versions continues where it stopped) for the CRD's Step
     * column and whoever reads the object.
     */
    @JsonProperty("stepNumber")
    public int stepNumber() {
        return step + 1;
    }

    /** A rollout of {@code policy} that has not started: what a new CanaryRollout holds. */
    public static RolloutStatus pending(Policy policy) {
        return new RolloutStatus(Phase.Pending, 0, null, null, policy.hash(), null, null, null, 0, null, 0, null,
                "waiting for the first tick", null, null, Map.of(), List.of(), List.of(), null);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.phase = phase;
        b.step = step;
        b.stepStartedAt = stepStartedAt;
        b.canaryIdentity = canaryIdentity;
        b.policyHash = policyHash;
        b.intended = intended;
        b.previous = previous;
        b.intendedOn = intendedOn;
        b.attempts = attempts;
        b.applied = applied;
        b.canaryWeight = canaryWeight;
        b.lastDecision = lastDecision;
        b.message = message;
        b.error = error;
        b.noDataSince = noDataSince;
        b.memory = memory;
        b.checks = checks;
        b.history = history;
        b.approvedBy = approvedBy;
        return b;
    }

    /** A working copy for one tick's changes; {@link #build()} freezes it. */
    public static final class Builder {
        public Phase phase;
        public int step;
        public String stepStartedAt;
        public String canaryIdentity;
        public String policyHash;
        public Weights intended;
        public Weights previous;
        public String intendedOn;
        public int attempts;
        public Weights applied;
        public int canaryWeight;
        public Decision lastDecision;
        public String message;
        public TickError error;
        public String noDataSince;
        public Map<String, Map<String, Double>> memory;
        public List<CheckRecord> checks;
        public List<HistoryEntry> history;
        public String approvedBy;

        /** Record {@code live} as what the target has, with no move in flight. */
        public void settle(Weights live) {
            applied = live;
            canaryWeight = live.canary();
            intended = null;
            previous = null;
            intendedOn = null;
            attempts = 0;
        }

        public RolloutStatus build() {
            return new RolloutStatus(phase, step, stepStartedAt, canaryIdentity, policyHash, intended, previous, intendedOn, attempts,
                    applied, canaryWeight, lastDecision, message, error, noDataSince, memory, checks, history, approvedBy);
        }
    }
}
