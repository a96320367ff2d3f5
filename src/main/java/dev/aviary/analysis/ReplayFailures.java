package dev.aviary.analysis;

/**
 * Replays that produced no pair, per arm: sent counts every replay, an arm's count the replays it failed (timeout,
 * connection refused, a non-2xx status, an answer the protocol could not read). The reasons are the arm's latest,
 * one line each, for the verdict; null when the arm never failed.
 */
public record ReplayFailures(long sent, long baseline, long canary, String baselineReason, String canaryReason) {

    public static final ReplayFailures NONE = new ReplayFailures(0, 0, 0, null, null);

    /**
     * Why the pairs cannot be trusted when an arm failed more than half of the replays sent (the few answers it gave
     * are not a sample of its behaviour), e.g. "the canary failed 130 of 200 replays (latest: timeout after 5s)";
     * null otherwise. Names both arms when both did.
     */
    public String mostlyFailed() {
        String b = 2 * baseline > sent && baseline > 0 ? arm("baseline", baseline, baselineReason) : null;
        String c = 2 * canary > sent && canary > 0 ? arm("canary", canary, canaryReason) : null;
        if (b == null) return c;
        return c == null ? b : b + "; " + c;
    }

    /** "failed replays: baseline 3, canary 0 of 250", for evidence lines. */
    public String describe() {
        return "failed replays: baseline " + baseline + ", canary " + canary + " of " + sent;
    }

    private String arm(String name, long failed, String reason) {
        return "the " + name + " failed " + failed + " of " + sent + " replays" + (reason == null ? "" : " (latest: " + reason + ")");
    }
}
